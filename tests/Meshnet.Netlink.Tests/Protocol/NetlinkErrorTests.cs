using System.Buffers.Binary;
using Meshnet.Netlink.Protocol;

namespace Meshnet.Netlink.Tests.Protocol;

public sealed class NetlinkErrorTests
{
    [Fact]
    public void Decode_CappedErrorWithExtAck_ReturnsErrnoAndMessage()
    {
        var datagram = ErrorMessage(-17, Nl.NLM_F_CAPPED | Nl.NLM_F_ACK_TLVS, echoedPayload: [], extAck: "File exists");

        var error = Decode(datagram);

        Assert.Equal(new NetlinkError(17, "File exists"), error);
    }

    [Fact]
    public void Decode_UncappedErrorWithExtAck_SkipsEchoedRequest()
    {
        var datagram = ErrorMessage(-22, Nl.NLM_F_ACK_TLVS, echoedPayload: new byte[20], extAck: "bad attribute");

        Assert.Equal(new NetlinkError(22, "bad attribute"), Decode(datagram));
    }

    [Fact]
    public void Decode_PlainAck_ReturnsZero()
    {
        var datagram = ErrorMessage(0, Nl.NLM_F_CAPPED, echoedPayload: [], extAck: null);

        Assert.Equal(new NetlinkError(0, null), Decode(datagram));
    }

    private static NetlinkError Decode(byte[] datagram)
    {
        var messages = NetlinkReader.Messages(datagram);
        Assert.True(messages.MoveNext());
        return NetlinkError.Decode(messages.Current);
    }

    /// <summary>An NLMSG_ERROR as the kernel lays it out: header, nlmsgerr, [echoed request payload], [TLVs].</summary>
    private static byte[] ErrorMessage(int error, int flags, byte[] echoedPayload, string? extAck)
    {
        var bytes = new List<byte>(new byte[Nl.HeaderLength]);
        var nlmsgerr = new byte[4 + Nl.HeaderLength];
        BinaryPrimitives.WriteInt32LittleEndian(nlmsgerr, error);
        BinaryPrimitives.WriteUInt32LittleEndian(nlmsgerr.AsSpan(4), (uint)(Nl.HeaderLength + echoedPayload.Length));
        bytes.AddRange(nlmsgerr);
        bytes.AddRange(echoedPayload);
        if (extAck is not null)
        {
            var attributes = new NetlinkMessageWriter();
            attributes.PutString(Nl.NLMSGERR_ATTR_MSG, extAck);
            bytes.AddRange(attributes.WrittenSpan.ToArray());
        }

        var datagram = bytes.ToArray();
        BinaryPrimitives.WriteUInt32LittleEndian(datagram, (uint)datagram.Length);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(4), Nl.NLMSG_ERROR);
        BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(6), (ushort)flags);
        return datagram;
    }
}
