using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Meshnet.Netlink.Protocol;

/// <summary>One netlink message inside a received buffer: header plus payload (fixed header and attributes).</summary>
internal readonly ref struct NetlinkMessage
{
    public NetlinkMessage(NlMsgHdr header, ReadOnlySpan<byte> payload)
    {
        Header = header;
        Payload = payload;
    }

    public NlMsgHdr Header { get; }

    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Reads the fixed header of type <typeparamref name="T"/> at the start of the payload.</summary>
    public T ReadStruct<T>()
        where T : unmanaged => NetlinkReader.ReadStruct<T>(Payload);

    /// <summary>The attributes that follow a fixed header of type <typeparamref name="T"/>.</summary>
    public AttributeEnumerator AttributesAfter<T>()
        where T : unmanaged
    {
        var offset = Nl.Align(Unsafe.SizeOf<T>());
        return new AttributeEnumerator(offset <= Payload.Length ? Payload[offset..] : default);
    }
}

/// <summary>One attribute: its type (flags stripped) and its payload (padding excluded).</summary>
internal readonly ref struct NetlinkAttribute
{
    public NetlinkAttribute(ushort type, ReadOnlySpan<byte> payload)
    {
        Type = type;
        Payload = payload;
    }

    public ushort Type { get; }

    public ReadOnlySpan<byte> Payload { get; }

    public byte U8 => Payload[0];

    public ushort U16 => BinaryPrimitives.ReadUInt16LittleEndian(Payload);

    public ushort U16BigEndian => BinaryPrimitives.ReadUInt16BigEndian(Payload);

    public uint U32 => BinaryPrimitives.ReadUInt32LittleEndian(Payload);

    public int S32 => BinaryPrimitives.ReadInt32LittleEndian(Payload);

    /// <summary>A string attribute without its NUL terminator.</summary>
    public string String
    {
        get
        {
            var end = Payload.IndexOf((byte)0);
            return Encoding.UTF8.GetString(end >= 0 ? Payload[..end] : Payload);
        }
    }

    public AttributeEnumerator Nested => new(Payload);
}

/// <summary>Walks the attributes of a buffer; stops at the first malformed one instead of reading past the end.</summary>
internal ref struct AttributeEnumerator
{
    private ReadOnlySpan<byte> _remaining;

    public AttributeEnumerator(ReadOnlySpan<byte> attributes)
    {
        _remaining = attributes;
        Current = default;
    }

    public NetlinkAttribute Current { get; private set; }

    public readonly AttributeEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining.Length < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt16LittleEndian(_remaining);
        var type = BinaryPrimitives.ReadUInt16LittleEndian(_remaining[2..]);
        if (length < 4 || length > _remaining.Length)
        {
            _remaining = default;
            return false;
        }

        Current = new NetlinkAttribute((ushort)(type & Nl.NLA_TYPE_MASK), _remaining[4..length]);
        var advance = Math.Min(Nl.Align(length), _remaining.Length);
        _remaining = _remaining[advance..];
        return true;
    }
}

/// <summary>Walks the messages of a received datagram.</summary>
internal ref struct MessageEnumerator
{
    private ReadOnlySpan<byte> _remaining;

    public MessageEnumerator(ReadOnlySpan<byte> datagram)
    {
        _remaining = datagram;
        Current = default;
    }

    public NetlinkMessage Current { get; private set; }

    public readonly MessageEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_remaining.Length < Nl.HeaderLength)
        {
            return false;
        }

        var header = NetlinkReader.ReadStruct<NlMsgHdr>(_remaining);
        if (header.Length < Nl.HeaderLength || header.Length > _remaining.Length)
        {
            _remaining = default;
            return false;
        }

        Current = new NetlinkMessage(header, _remaining[Nl.HeaderLength..(int)header.Length]);
        var advance = Math.Min(Nl.Align((int)header.Length), _remaining.Length);
        _remaining = _remaining[advance..];
        return true;
    }
}

internal static class NetlinkReader
{
    public static MessageEnumerator Messages(ReadOnlySpan<byte> datagram) => new(datagram);

    public static AttributeEnumerator Attributes(ReadOnlySpan<byte> attributes) => new(attributes);

    /// <summary>Reads a fixed header; a short buffer yields the zero-padded prefix rather than an exception.</summary>
    public static T ReadStruct<T>(ReadOnlySpan<byte> buffer)
        where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        if (buffer.Length >= size)
        {
            return MemoryMarshal.Read<T>(buffer);
        }

        Span<byte> padded = stackalloc byte[size];
        padded.Clear();
        buffer.CopyTo(padded);
        return MemoryMarshal.Read<T>(padded);
    }
}
