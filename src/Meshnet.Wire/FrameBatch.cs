using System.Buffers.Binary;

namespace Meshnet.Wire;

/// <summary>
/// The packed frame list of a <c>WireMessage.frames</c>: records back to back, each an int64 little-endian end id
/// (the receiving node's), a uint32 little-endian length, then that many bytes (virtio_net_hdr + Ethernet frame).
/// A fixed 12-byte record header lets the sender read a frame straight into place and the receiver walk the batch
/// with spans, with no object per frame on either side.
/// </summary>
internal static class FrameBatch
{
    public const int RecordHeaderSize = 12;

    /// <summary>Writes a record header for a frame of <paramref name="length"/> bytes at the start of <paramref name="destination"/>.</summary>
    public static void WriteHeader(Span<byte> destination, long id, int length)
    {
        BinaryPrimitives.WriteInt64LittleEndian(destination, id);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], (uint)length);
    }

    /// <summary>Appends a whole record at <paramref name="offset"/>; false (nothing written) when it does not fit.</summary>
    public static bool TryAppend(Span<byte> buffer, ref int offset, long id, ReadOnlySpan<byte> frame)
    {
        if (buffer.Length - offset < RecordHeaderSize + frame.Length)
        {
            return false;
        }

        WriteHeader(buffer[offset..], id, frame.Length);
        frame.CopyTo(buffer[(offset + RecordHeaderSize)..]);
        offset += RecordHeaderSize + frame.Length;
        return true;
    }
}

/// <summary>
/// Walks a packed frame list. A record whose length runs past the end of the batch makes the rest unreadable:
/// <see cref="Malformed"/> turns true and reading stops (the records before it were good and were returned).
/// </summary>
internal ref struct FrameBatchReader(ReadOnlySpan<byte> batch)
{
    private ReadOnlySpan<byte> _rest = batch;

    /// <summary>True once a truncated record was met.</summary>
    public bool Malformed { get; private set; }

    public bool TryRead(out long id, out ReadOnlySpan<byte> frame)
    {
        id = 0;
        frame = default;
        if (_rest.IsEmpty || Malformed)
        {
            return false;
        }

        if (_rest.Length < FrameBatch.RecordHeaderSize)
        {
            Malformed = true;
            return false;
        }

        id = BinaryPrimitives.ReadInt64LittleEndian(_rest);
        var length = BinaryPrimitives.ReadUInt32LittleEndian(_rest[8..]);
        if (length > (uint)(_rest.Length - FrameBatch.RecordHeaderSize))
        {
            Malformed = true;
            return false;
        }

        frame = _rest.Slice(FrameBatch.RecordHeaderSize, (int)length);
        _rest = _rest[(FrameBatch.RecordHeaderSize + (int)length)..];
        return true;
    }
}
