using Meshnet.Model;
using Meshnet.Netlink;

namespace Meshnet.Daemon.Cni;

/// <summary>CHECK's comparison: every link the store says is up must be an interface that is up in the pod.</summary>
internal static class PodInspector
{
    public static IReadOnlyList<string> FindProblems(Topology topo, string netnsPath)
    {
        using var ns = NetNs.Open(netnsPath);
        using var nl = NetlinkHandle.Open(ns);
        var links = nl.LinkList().ToDictionary(l => l.Name, StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var link in topo.Spec.Links)
        {
            var status = topo.Status.Links.FirstOrDefault(s => s.Uid == link.Uid && s.Intf == link.LocalIntf);
            if (status is null || status.State == LinkState.Pending)
            {
                continue; // waiting for its peer: nothing to find yet
            }

            if (status.State == LinkState.Failed)
            {
                problems.Add($"uid {link.Uid} ({link.LocalIntf}) failed: {status.Error}");
            }
            else if (!links.TryGetValue(link.LocalIntf, out var dev))
            {
                problems.Add($"interface {link.LocalIntf} (uid {link.Uid}) is missing");
            }
            else if (!dev.IsUp)
            {
                problems.Add($"interface {link.LocalIntf} (uid {link.Uid}) is down");
            }
            else if (dev.Mtu != link.EffectiveMtu)
            {
                problems.Add($"interface {link.LocalIntf} (uid {link.Uid}) has MTU {dev.Mtu}, declared {link.EffectiveMtu}");
            }
        }

        return problems;
    }
}
