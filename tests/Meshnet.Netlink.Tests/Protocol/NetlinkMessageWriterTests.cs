using CsCheck;
using Meshnet.Netlink.Protocol;

namespace Meshnet.Netlink.Tests.Protocol;

public sealed class NetlinkMessageWriterTests
{
    /// <summary>An attribute tree: a leaf carries bytes, a nest carries children.</summary>
    private sealed record Attr(ushort Type, byte[]? Bytes, Attr[]? Children)
    {
        public string Shape => Children is null
            ? $"{Type}:{Convert.ToHexString(Bytes!)}"
            : $"{Type}[{string.Join(",", Children.Select(c => c.Shape))}]";
    }

    private static readonly Gen<Attr> Leaf =
        Gen.Select(Gen.UShort[1, Nl.NLA_TYPE_MASK], Gen.Byte.Array[0, 23], (type, bytes) => new Attr(type, bytes, null));

    private static Gen<Attr> Tree(int depth) => depth == 0
        ? Leaf
        : Gen.OneOf(Leaf, Gen.Select(Gen.UShort[1, Nl.NLA_TYPE_MASK], Tree(depth - 1).Array[0, 4], (type, children) => new Attr(type, null, children)));

    private static readonly Gen<Attr[]> Attributes = Tree(3).Array[0, 6];

    [Fact]
    public void WriteThenRead_AnyAttributeTree_RoundTrips()
    {
        Attributes.Sample(attributes =>
        {
            var writer = new NetlinkMessageWriter(16);
            writer.BeginMessage(Rt.RTM_NEWLINK, Nl.NLM_F_REQUEST, 7);
            writer.WriteStruct(new IfInfoMsg { Index = 42 });
            foreach (var attribute in attributes)
            {
                Write(writer, attribute);
            }

            writer.EndMessage();

            var enumerator = NetlinkReader.Messages(writer.WrittenSpan);
            Assert.True(enumerator.MoveNext());
            var message = enumerator.Current;
            Assert.Equal(42, message.ReadStruct<IfInfoMsg>().Index);
            var decoded = ReadAll(message.AttributesAfter<IfInfoMsg>(), attributes);
            Assert.Equal(string.Join(",", attributes.Select(a => a.Shape)), string.Join(",", decoded));
            Assert.False(enumerator.MoveNext());
        });
    }

    [Fact]
    public void EndMessage_AnyAttributes_HeaderLengthIsAlignedBufferLength()
    {
        Attributes.Sample(attributes =>
        {
            var writer = new NetlinkMessageWriter();
            writer.BeginMessage(Rt.RTM_NEWLINK, Nl.NLM_F_REQUEST, 1);
            foreach (var attribute in attributes)
            {
                Write(writer, attribute);
            }

            var length = writer.EndMessage();
            Assert.Equal(writer.Length, length);
            Assert.Equal(0, length % Nl.Alignment);
            Assert.Equal((uint)length, BitConverter.ToUInt32(writer.WrittenSpan));
        });
    }

    [Fact]
    public void Messages_ConcatenatedMessages_ReadBackInOrderWithTheirSequences()
    {
        Gen.Int[1, 50].Select(Gen.Byte.Array[0, 9]).Sample((count, payload) =>
        {
            var writer = new NetlinkMessageWriter();
            for (var i = 0; i < count; i++)
            {
                writer.BeginMessage(Rt.RTM_NEWADDR, Nl.NLM_F_REQUEST, (uint)i + 100);
                writer.PutBytes(1, payload);
                writer.EndMessage();
            }

            var sequences = new List<uint>();
            foreach (var message in NetlinkReader.Messages(writer.WrittenSpan))
            {
                sequences.Add(message.Header.Sequence);
            }

            Assert.Equal(Enumerable.Range(100, count).Select(i => (uint)i), sequences);
        });
    }

    [Fact]
    public void PutString_Name_IsNulTerminatedAndPadded()
    {
        var writer = new NetlinkMessageWriter();
        writer.PutString(Rt.IFLA_IFNAME, "eth1");

        Assert.Equal(new byte[] { 9, 0, 3, 0, (byte)'e', (byte)'t', (byte)'h', (byte)'1', 0, 0, 0, 0 }, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void PutU16BigEndian_Port_IsNetworkByteOrder()
    {
        var writer = new NetlinkMessageWriter();
        writer.PutU16BigEndian(Rt.IFLA_VXLAN_PORT, 4789);

        Assert.Equal(new byte[] { 6, 0, 15, 0, 0x12, 0xb5, 0, 0 }, writer.WrittenSpan.ToArray());
    }

    [Fact]
    public void Attributes_LengthPastEnd_StopsWithoutReadingOutOfBounds()
    {
        byte[] truncated = [200, 0, 1, 0, 1, 2, 3, 4];
        var count = 0;
        foreach (var unused in NetlinkReader.Attributes(truncated))
        {
            count++;
        }

        Assert.Equal(0, count);
    }

    private static void Write(NetlinkMessageWriter writer, Attr attribute)
    {
        if (attribute.Children is null)
        {
            writer.PutBytes(attribute.Type, attribute.Bytes);
            return;
        }

        var nest = writer.BeginNested(attribute.Type);
        foreach (var child in attribute.Children)
        {
            Write(writer, child);
        }

        writer.EndNested(nest);
    }

    /// <summary>Decodes in the shape of <paramref name="expected"/> (the wire does not say which attributes are nests).</summary>
    private static List<string> ReadAll(AttributeEnumerator attributes, Attr[] expected)
    {
        var shapes = new List<string>();
        var i = 0;
        foreach (var attribute in attributes)
        {
            var template = i < expected.Length ? expected[i] : null;
            i++;
            shapes.Add(template?.Children is { } children
                ? $"{attribute.Type}[{string.Join(",", ReadAll(attribute.Nested, children))}]"
                : $"{attribute.Type}:{Convert.ToHexString(attribute.Payload)}");
        }

        return shapes;
    }
}
