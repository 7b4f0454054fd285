using System.Net;
using System.Net.Sockets;
using Meshnet.Netlink.Protocol;

namespace Meshnet.Netlink;

/// <summary>Encodes RTM_*ROUTE requests and decodes RTM_NEWROUTE replies.</summary>
internal static class RouteMessages
{
    public static void Write(NetlinkMessageWriter writer, uint sequence, bool add, RouteSpec route)
    {
        var flags = add ? (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL) : (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_ACK);
        var scope = route.Scope ?? (route.Gateway is null && route.OutIndex is not null ? RouteScopes.Link : RouteScopes.Universe);
        writer.BeginMessage(add ? Rt.RTM_NEWROUTE : Rt.RTM_DELROUTE, flags, sequence);
        writer.WriteStruct(new RtMsg
        {
            Family = AddressCodec.Family(route.Destination.Address),
            DestinationLength = (byte)route.Destination.PrefixLength,
            Table = route.Table < 256 ? (byte)route.Table : (byte)0,
            Protocol = add ? Rt.RTPROT_BOOT : (byte)0,
            // On delete, RT_SCOPE_NOWHERE (255) means "any scope", as iproute2 sends it.
            Scope = add ? scope : (byte)255,
            Type = add ? Rt.RTN_UNICAST : (byte)0,
        });
        if (route.Destination.PrefixLength > 0)
        {
            AddressCodec.Put(writer, Rt.RTA_DST, route.Destination.Address);
        }

        if (route.Gateway is not null)
        {
            AddressCodec.Put(writer, Rt.RTA_GATEWAY, route.Gateway);
        }

        if (route.OutIndex is { } oif)
        {
            writer.PutS32(Rt.RTA_OIF, oif);
        }

        if (route.Source is not null)
        {
            AddressCodec.Put(writer, Rt.RTA_PREFSRC, route.Source);
        }

        if (route.Metric is { } metric)
        {
            writer.PutU32(Rt.RTA_PRIORITY, checked((uint)metric));
        }

        writer.PutU32(Rt.RTA_TABLE, checked((uint)route.Table));
        writer.EndMessage();
    }

    public static void Dump(NetlinkMessageWriter writer, uint sequence, AddressFamily family)
    {
        writer.BeginMessage(Rt.RTM_GETROUTE, Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP, sequence);
        writer.WriteStruct(new RtMsg { Family = family == AddressFamily.InterNetworkV6 ? (byte)Interop.AF_INET6 : (byte)Interop.AF_INET });
        writer.EndMessage();
    }

    public static RouteInfo Parse(in NetlinkMessage message)
    {
        var header = message.ReadStruct<RtMsg>();
        var v6 = header.Family == Interop.AF_INET6;
        IPAddress? destination = null, gateway = null, source = null;
        int? oif = null;
        var metric = 0;
        int table = header.Table;
        foreach (var attribute in message.AttributesAfter<RtMsg>())
        {
            switch (attribute.Type)
            {
                case Rt.RTA_DST: destination = AddressCodec.Read(attribute.Payload); break;
                case Rt.RTA_GATEWAY: gateway = AddressCodec.Read(attribute.Payload); break;
                case Rt.RTA_PREFSRC: source = AddressCodec.Read(attribute.Payload); break;
                case Rt.RTA_OIF: oif = attribute.S32; break;
                case Rt.RTA_PRIORITY: metric = attribute.S32; break;
                case Rt.RTA_TABLE: table = attribute.S32; break;
            }
        }

        destination ??= v6 ? IPAddress.IPv6Any : IPAddress.Any;
        return new RouteInfo(
            new IpPrefix(destination, Math.Min((int)header.DestinationLength, v6 ? 128 : 32)),
            gateway,
            oif,
            source,
            metric,
            table,
            header.Scope,
            header.Protocol,
            header.Type);
    }
}
