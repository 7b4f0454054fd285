using System.Net.Sockets;
using Meshnet.Netlink;

namespace Meshnet.Daemon;

/// <summary>
/// Finds this node's address when HOST_IP is not given: the first IPv4 address of HOST_INTF when that is set,
/// else of the default route's interface.
/// </summary>
internal static class NodeAddress
{
    /// <summary>The first IPv4 address of <paramref name="intf"/> in the namespace of <paramref name="nl"/>.</summary>
    /// <exception cref="InvalidOperationException">The interface does not exist or has no IPv4 address.</exception>
    public static string OfInterface(NetlinkHandle nl, string intf)
    {
        var link = nl.LinkList().FirstOrDefault(l => l.Name == intf)
            ?? throw new InvalidOperationException($"HOST_INTF \"{intf}\": no such interface on this node");
        return nl.AddrList(link.Index).FirstOrDefault(a => a.Address.Address.AddressFamily == AddressFamily.InterNetwork)?.Address.Address.ToString()
            ?? throw new InvalidOperationException($"HOST_INTF \"{intf}\" has no IPv4 address; set HOST_IP");
    }

    /// <param name="intf">HOST_INTF, when set.</param>
    /// <param name="nodeNetNs">Path of the namespace holding the node's interfaces; empty: this process's.</param>
    public static string Detect(string? intf, string nodeNetNs)
    {
        using var ns = string.IsNullOrEmpty(nodeNetNs) ? null : NetNs.Open(nodeNetNs);
        using var nl = NetlinkHandle.Open(ns);
        if (intf is not null)
        {
            return OfInterface(nl, intf);
        }

        try
        {
            var defaultRoute = nl.RouteList(AddressFamily.InterNetwork).FirstOrDefault(r => r.Destination.PrefixLength == 0 && r.OutIndex is not null);
            if (defaultRoute?.OutIndex is { } index && nl.AddrList(index).FirstOrDefault(a => a.Address.Address.AddressFamily == AddressFamily.InterNetwork) is { } addr)
            {
                return addr.Address.Address.ToString();
            }
        }
        catch (NetlinkException)
        {
            // fall through to loopback: a single-host setup still works
        }

        return "127.0.0.1";
    }
}
