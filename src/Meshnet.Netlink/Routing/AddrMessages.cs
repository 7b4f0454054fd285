using System.Net.Sockets;
using Meshnet.Netlink.Protocol;

namespace Meshnet.Netlink;

/// <summary>Encodes RTM_*ADDR requests and decodes RTM_NEWADDR replies.</summary>
internal static class AddrMessages
{
    /// <summary>RTM_NEWADDR (add) or RTM_DELADDR. IPv6 addresses skip duplicate address detection (IFA_F_NODAD).</summary>
    public static void Write(NetlinkMessageWriter writer, uint sequence, bool add, int index, IpPrefix prefix)
    {
        var flags = add ? (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL) : (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK);
        var v6 = prefix.Family == AddressFamily.InterNetworkV6;
        writer.BeginMessage(add ? Rt.RTM_NEWADDR : Rt.RTM_DELADDR, flags, sequence);
        writer.WriteStruct(new IfAddrMsg
        {
            Family = AddressCodec.Family(prefix.Address),
            PrefixLength = (byte)prefix.PrefixLength,
            Flags = v6 ? Rt.IFA_F_NODAD : (byte)0,
            Index = index,
        });
        // Like iproute2 without "peer": local and address are the same.
        AddressCodec.Put(writer, Rt.IFA_LOCAL, prefix.Address);
        AddressCodec.Put(writer, Rt.IFA_ADDRESS, prefix.Address);
        if (v6 && add)
        {
            writer.PutU32(Rt.IFA_FLAGS, Rt.IFA_F_NODAD);
        }

        writer.EndMessage();
    }

    public static void Dump(NetlinkMessageWriter writer, uint sequence)
    {
        writer.BeginMessage(Rt.RTM_GETADDR, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP, sequence);
        writer.WriteStruct(new IfAddrMsg());
        writer.EndMessage();
    }

    public static AddrInfo Parse(in NetlinkMessage message)
    {
        var header = message.ReadStruct<IfAddrMsg>();
        System.Net.IPAddress? local = null, address = null;
        foreach (var attribute in message.AttributesAfter<IfAddrMsg>())
        {
            if (attribute.Type == Rt.IFA_LOCAL)
            {
                local = AddressCodec.Read(attribute.Payload);
            }
            else if (attribute.Type == Rt.IFA_ADDRESS)
            {
                address = AddressCodec.Read(attribute.Payload);
            }
        }

        // IFA_LOCAL is the interface's own address; IFA_ADDRESS is the peer on point-to-point links (and the only one for IPv6).
        var own = local ?? address ?? System.Net.IPAddress.None;
        return new AddrInfo(header.Index, new IpPrefix(own, Math.Min((int)header.PrefixLength, own.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32)))
        {
            Scope = header.Scope,
        };
    }
}
