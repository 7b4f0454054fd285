using System.Net.Sockets;

namespace Meshnet.Netlink;

public sealed partial class NetlinkHandle
{
    /// <summary>= ip addr add A/P dev DEV (IPv6 with nodad, so the address is usable at once).</summary>
    public void AddrAdd(int index, IpPrefix address) =>
        Acknowledge("AddrAdd", $"{address} ifindex {index}", (w, seq) => AddrMessages.Write(w, seq, add: true, index, address));

    /// <summary>= ip addr del A/P dev DEV.</summary>
    public void AddrDel(int index, IpPrefix address) =>
        Acknowledge("AddrDel", $"{address} ifindex {index}", (w, seq) => AddrMessages.Write(w, seq, add: false, index, address));

    /// <summary>= ip addr show [dev DEV]: IPv4 and IPv6 addresses, of one link or of all.</summary>
    public IReadOnlyList<AddrInfo> AddrList(int? index = null)
    {
        var all = Dump("AddrList", AddrMessages.Dump, AddrMessages.Parse);
        return index is { } i ? all.FindAll(a => a.Index == i) : all;
    }

    /// <summary>= ip route add DEST [via GW] [dev DEV] [src SRC] [metric M] [table T].</summary>
    public void RouteAdd(RouteSpec route) =>
        Acknowledge("RouteAdd", route.Destination.ToString(), (w, seq) => RouteMessages.Write(w, seq, add: true, route));

    /// <summary>= ip route del DEST [via GW] [dev DEV] [table T].</summary>
    public void RouteDel(RouteSpec route) =>
        Acknowledge("RouteDel", route.Destination.ToString(), (w, seq) => RouteMessages.Write(w, seq, add: false, route));

    /// <summary>= ip [-6] route show [table T]: the routes of one family in one table (main by default).</summary>
    public IReadOnlyList<RouteInfo> RouteList(AddressFamily family = AddressFamily.InterNetwork, int table = RouteTables.Main)
    {
        var all = Dump("RouteList", (w, seq) => RouteMessages.Dump(w, seq, family), RouteMessages.Parse);
        return all.FindAll(r => r.Table == table);
    }
}
