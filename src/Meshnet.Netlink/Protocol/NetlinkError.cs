using System.Buffers.Binary;

namespace Meshnet.Netlink.Protocol;

/// <summary>A decoded NLMSG_ERROR: errno 0 is a plain ACK.</summary>
internal readonly record struct NetlinkError(int Errno, string? ExtAck)
{
    // struct nlmsgerr { int error; struct nlmsghdr msg; } followed by the echoed request (unless NLM_F_CAPPED)
    // and then, with NLM_F_ACK_TLVS, the extended-ack attributes.
    private const int NlMsgErrLength = 4 + Nl.HeaderLength;

    public static NetlinkError Decode(in NetlinkMessage message)
    {
        var payload = message.Payload;
        if (payload.Length < 4)
        {
            return new NetlinkError(0, null);
        }

        var errno = -BinaryPrimitives.ReadInt32LittleEndian(payload);
        if ((message.Header.Flags & Nl.NLM_F_ACK_TLVS) == 0 || payload.Length < NlMsgErrLength)
        {
            return new NetlinkError(errno, null);
        }

        var offset = NlMsgErrLength;
        if ((message.Header.Flags & Nl.NLM_F_CAPPED) == 0)
        {
            var echoedLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]);
            offset = 4 + Nl.Align(echoedLength);
        }

        if (offset > payload.Length)
        {
            return new NetlinkError(errno, null);
        }

        foreach (var attribute in NetlinkReader.Attributes(payload[offset..]))
        {
            if (attribute.Type == Nl.NLMSGERR_ATTR_MSG)
            {
                return new NetlinkError(errno, attribute.String);
            }
        }

        return new NetlinkError(errno, null);
    }
}
