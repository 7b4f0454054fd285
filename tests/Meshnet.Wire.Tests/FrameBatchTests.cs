using CsCheck;

namespace Meshnet.Wire.Tests;

public sealed class FrameBatchTests
{
    private static readonly Gen<(long Id, byte[] Frame)[]> Records =
        Gen.Select(Gen.Long, Gen.Byte.Array[0, 300]).Array[0, 20];

    [Fact]
    public void TryRead_AppendedRecords_ReturnsThemInOrder()
    {
        Records.Sample(records =>
        {
            var buffer = new byte[records.Sum(r => FrameBatch.RecordHeaderSize + r.Frame.Length)];
            var offset = 0;
            foreach (var (id, frame) in records)
            {
                Assert.True(FrameBatch.TryAppend(buffer, ref offset, id, frame));
            }

            var reader = new FrameBatchReader(buffer);
            foreach (var (id, frame) in records)
            {
                Assert.True(reader.TryRead(out var readId, out var readFrame));
                Assert.Equal(id, readId);
                Assert.Equal(frame, readFrame.ToArray());
            }

            Assert.False(reader.TryRead(out _, out _));
            Assert.False(reader.Malformed);
        });
    }

    [Fact]
    public void TryRead_TruncatedBatch_StopsMalformedAfterTheWholeRecords()
    {
        Gen.Select(Records.Where(r => r.Length > 0), Gen.Int[1, 1000]).Sample((records, cut) =>
        {
            var buffer = new byte[records.Sum(r => FrameBatch.RecordHeaderSize + r.Frame.Length)];
            var offset = 0;
            var ends = new List<int>();
            foreach (var (id, frame) in records)
            {
                FrameBatch.TryAppend(buffer, ref offset, id, frame);
                ends.Add(offset);
            }

            var length = buffer.Length - Math.Min(cut, buffer.Length);
            var whole = ends.Count(e => e <= length);
            var reader = new FrameBatchReader(buffer.AsSpan(0, length));
            var read = 0;
            while (reader.TryRead(out _, out _))
            {
                read++;
            }

            Assert.Equal(whole, read);
            Assert.Equal(length != (whole == 0 ? 0 : ends[whole - 1]), reader.Malformed);
        });
    }

    [Fact]
    public void TryRead_ArbitraryBytes_NeverReadsPastTheBatch()
    {
        Gen.Byte.Array[0, 200].Sample(bytes =>
        {
            var reader = new FrameBatchReader(bytes);
            var consumed = 0;
            while (reader.TryRead(out _, out var frame))
            {
                consumed += FrameBatch.RecordHeaderSize + frame.Length;
            }

            Assert.True(consumed <= bytes.Length);
            Assert.Equal(consumed != bytes.Length, reader.Malformed);
        });
    }

    [Fact]
    public void TryAppend_NoRoom_WritesNothing()
    {
        var buffer = new byte[FrameBatch.RecordHeaderSize + 9];
        var offset = 0;

        Assert.False(FrameBatch.TryAppend(buffer, ref offset, 1, new byte[10]));
        Assert.Equal(0, offset);
        Assert.All(buffer, b => Assert.Equal(0, b));
    }

    [Fact]
    public void WriteHeader_IdAndLength_LittleEndian()
    {
        var buffer = new byte[FrameBatch.RecordHeaderSize];

        FrameBatch.WriteHeader(buffer, 0x0102030405060708, 0x0a0b);

        Assert.Equal(new byte[] { 8, 7, 6, 5, 4, 3, 2, 1, 0x0b, 0x0a, 0, 0 }, buffer);
    }
}
