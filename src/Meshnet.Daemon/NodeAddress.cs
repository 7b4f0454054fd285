using System.Net.Sockets;
using Meshnet.Netlink;

namespace Meshnet.Daemon;

/// <summary>Finds this node's address when HOST_IP is not given: the first IPv4 address of the default route's interface.</summary>
internal static class NodeAddress
{
    public static string Detect()
    {
        try
        {
            using var nl = NetlinkHandle.Open();
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
