using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace Meshnet.Netlink.Protocol;

/// <summary>
/// Builds netlink messages (nlmsghdr + fixed header + attributes) into one growable buffer, so that many messages can
/// be concatenated and sent in a single sendmsg. Pure: no I/O, no kernel, fully testable.
/// Lengths are patched when a message or a nested attribute ends; every attribute starts 4-byte aligned.
/// </summary>
internal sealed class NetlinkMessageWriter
{
    private byte[] _buffer;
    private int _length;
    private int _messageStart = -1;

    public NetlinkMessageWriter(int capacity = 4096) => _buffer = new byte[capacity];

    /// <summary>Bytes written so far (complete messages, plus the one in progress).</summary>
    public int Length => _length;

    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void Clear()
    {
        _length = 0;
        _messageStart = -1;
    }

    /// <summary>Starts a message; the header's length is filled in by <see cref="EndMessage"/>.</summary>
    public void BeginMessage(ushort type, ushort flags, uint sequence)
    {
        if (_messageStart >= 0)
        {
            throw new InvalidOperationException("A message is already open.");
        }

        _messageStart = _length;
        var header = new NlMsgHdr { Type = type, Flags = flags, Sequence = sequence };
        WriteStruct(header);
    }

    /// <summary>Closes the open message and returns its total length.</summary>
    public int EndMessage()
    {
        if (_messageStart < 0)
        {
            throw new InvalidOperationException("No message is open.");
        }

        var size = _length - _messageStart;
        BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_messageStart), (uint)size);
        _messageStart = -1;
        return size;
    }

    /// <summary>Writes a fixed header (ifinfomsg, rtmsg, ...) padded to alignment.</summary>
    public void WriteStruct<T>(in T value)
        where T : unmanaged
    {
        var size = Unsafe.SizeOf<T>();
        var span = Reserve(Nl.Align(size));
        MemoryMarshal.Write(span, in value);
    }

    public void PutBytes(ushort type, ReadOnlySpan<byte> payload)
    {
        var span = Reserve(Nl.Align(4 + payload.Length));
        WriteAttributeHeader(span, type, 4 + payload.Length);
        payload.CopyTo(span[4..]);
    }

    public void PutU8(ushort type, byte value) => PutBytes(type, [value]);

    public void PutU16(ushort type, ushort value)
    {
        Span<byte> payload = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(payload, value);
        PutBytes(type, payload);
    }

    /// <summary>A 16-bit value in network byte order (ports).</summary>
    public void PutU16BigEndian(ushort type, ushort value)
    {
        Span<byte> payload = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(payload, value);
        PutBytes(type, payload);
    }

    public void PutU32(ushort type, uint value)
    {
        Span<byte> payload = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(payload, value);
        PutBytes(type, payload);
    }

    public void PutS32(ushort type, int value) => PutU32(type, unchecked((uint)value));

    /// <summary>A NUL-terminated string, as the kernel expects for names and kinds.</summary>
    public void PutString(ushort type, string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        var span = Reserve(Nl.Align(4 + byteCount + 1));
        WriteAttributeHeader(span, type, 4 + byteCount + 1);
        Encoding.UTF8.GetBytes(value, span[4..]);
    }

    /// <summary>Opens a nested attribute; returns the token to pass to <see cref="EndNested"/>.</summary>
    public int BeginNested(ushort type)
    {
        var start = _length;
        var span = Reserve(4);
        WriteAttributeHeader(span, type, 4);
        return start;
    }

    public void EndNested(int start) =>
        BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(start), checked((ushort)(_length - start)));

    private static void WriteAttributeHeader(Span<byte> span, ushort type, int length)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(span, checked((ushort)length));
        BinaryPrimitives.WriteUInt16LittleEndian(span[2..], type);
    }

    /// <summary>Returns <paramref name="size"/> zeroed bytes at the end of the buffer (padding stays zero).</summary>
    private Span<byte> Reserve(int size)
    {
        if (_length + size > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        }

        var span = _buffer.AsSpan(_length, size);
        span.Clear();
        _length += size;
        return span;
    }
}
