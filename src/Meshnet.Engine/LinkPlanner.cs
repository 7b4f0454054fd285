using System.Net.NetworkInformation;
using Meshnet.Model;
using Meshnet.Netlink;

namespace Meshnet.Engine;

/// <summary>
/// Turns declared topologies into the links this node must plumb now. Pure: reads no kernel state. A link is
/// planned when every end it needs is alive on this node; otherwise it is pending until its peer appears.
/// </summary>
public static class LinkPlanner
{
    /// <summary>
    /// Plans every link of <paramref name="pods"/> (alive pods whose namespaces are on this node), pairing ends by
    /// (namespace, uid) through a dictionary: linear in the number of links.
    /// </summary>
    /// <param name="pods">Topologies of the pods on this node, with status.net_ns set.</param>
    /// <param name="peers">Every Topology the plan may need as a peer (may include <paramref name="pods"/>), by key.</param>
    /// <param name="isLocal">Whether an alive peer runs on this node; links to pods elsewhere are not plumbed here.</param>
    /// <param name="crossNode">How to reach pods on other nodes (VXLAN); null: such links stay pending.</param>
    public static LinkPlan Plan(IEnumerable<Topology> pods, IReadOnlyDictionary<PodKey, Topology> peers, Func<Topology, bool>? isLocal = null,
        CrossNodeContext? crossNode = null)
    {
        var needsVni = new List<(string Namespace, int Uid)>();
        var needsWireId = new List<(string Namespace, int Uid)>();
        isLocal ??= static _ => true;
        var peerLinks = new Dictionary<PodKey, Dictionary<(int Uid, string Intf), Link>>();
        var planned = new Dictionary<(string Namespace, int Uid), PlannedLink>();
        var pending = new List<PendingLink>();
        foreach (var pod in pods)
        {
            if (string.IsNullOrEmpty(pod.Status.NetNs))
            {
                continue;
            }

            foreach (var link in pod.Spec.Links)
            {
                var id = (pod.Namespace, link.Uid);
                if (planned.ContainsKey(id))
                {
                    continue;
                }

                var local = Endpoint(pod.Key, pod.Status.NetNs, link.LocalIntf, link.LocalIp, link.LocalMac);
                if (link.IsMacvlan)
                {
                    planned[id] = new PlannedMacvlan(pod.Namespace, link.Uid, link.EffectiveMtu, local, link.PeerIntf);
                    continue;
                }

                var peerKey = new PodKey(pod.Namespace, link.PeerPod);
                if (!peers.TryGetValue(peerKey, out var peer) || !peer.Status.IsAlive || string.IsNullOrEmpty(peer.Status.NetNs))
                {
                    pending.Add(new PendingLink(pod.Key, link.Uid, link.LocalIntf, $"peer pod {peerKey} is not running") { PeerNotRunning = true });
                    continue;
                }

                if (!Mirrors(link, pod.Name, LinksOf(peer, peerLinks)))
                {
                    pending.Add(new PendingLink(pod.Key, link.Uid, link.LocalIntf, $"peer pod {peerKey} does not declare uid {link.Uid} back to {pod.Name}/{link.LocalIntf}"));
                    continue;
                }

                if (!isLocal(peer))
                {
                    if (PlanCrossNode(pod, link, peer, crossNode, out var reason) is { } remoteEnd)
                    {
                        planned[id] = remoteEnd;
                    }
                    else
                    {
                        var grpc = crossNode?.WireIdOf is not null;
                        if (crossNode is not null && reason is null)
                        {
                            (grpc ? needsWireId : needsVni).Add(id);
                        }

                        pending.Add(new PendingLink(pod.Key, link.Uid, link.LocalIntf, reason ?? $"waiting for a {(grpc ? "wire id" : "VNI")} for uid {link.Uid}"));
                    }

                    continue;
                }

                var remote = Endpoint(peerKey, peer.Status.NetNs, link.PeerIntf, link.PeerIp, link.PeerMac);
                var (owner, other) = IsOwner(local, remote) ? (local, remote) : (remote, local);
                planned[id] = new PlannedVeth(pod.Namespace, link.Uid, link.EffectiveMtu, owner, other);
            }
        }

        return new LinkPlan([.. planned.Values], pending) { NeedsVni = needsVni, NeedsWireId = needsWireId };
    }

    /// <summary>
    /// This node's end toward a peer on another node (VXLAN, or a gRPC wire when the context gives wire ids), or null
    /// with why not (null reason: its VNI or wire id is not allocated yet).
    /// </summary>
    private static PlannedLink? PlanCrossNode(Topology pod, Link link, Topology peer, CrossNodeContext? crossNode, out string? reason)
    {
        reason = null;
        if (crossNode is null)
        {
            reason = $"peer pod {peer.Key} runs on node {peer.Status.NodeName}; cross-node links are not plumbed by this node";
            return null;
        }

        if (!System.Net.IPAddress.TryParse(peer.Status.SrcIp, out var remote))
        {
            reason = $"peer pod {peer.Key} has no usable node address (src_ip \"{peer.Status.SrcIp}\")";
            return null;
        }

        var end = Endpoint(pod.Key, pod.Status.NetNs!, link.LocalIntf, link.LocalIp, link.LocalMac);
        if (crossNode.WireIdOf is { } wireIdOf)
        {
            if (string.IsNullOrEmpty(peer.Status.NodeName))
            {
                reason = $"peer pod {peer.Key} has no node name in its status (node_name); a gRPC wire needs it to authenticate the peer";
                return null;
            }

            return wireIdOf(pod.Namespace, link.Uid) is { } localId
                ? new PlannedGrpcWire(pod.Namespace, link.Uid, link.EffectiveMtu, end, peer.Status.NodeName, remote, localId)
                : null;
        }

        if (crossNode.VniOf(pod.Namespace, link.Uid) is not { } vni)
        {
            return null;
        }

        return new PlannedVxlan(pod.Namespace, link.Uid, link.EffectiveMtu, end, crossNode.NodeAddress, remote, vni, crossNode.Device);
    }

    /// <summary>The end whose (pod, interface) sorts first owns the link: deterministic, no handshake.</summary>
    public static bool IsOwner(EndpointSpec end, EndpointSpec other)
    {
        var c = end.Pod.CompareTo(other.Pod);
        return c != 0 ? c < 0 : string.CompareOrdinal(end.Intf, other.Intf) <= 0;
    }

    /// <summary>The peer declares the same uid pointing back at this end (a one-sided link is not plumbed).</summary>
    private static bool Mirrors(Link link, string podName, Dictionary<(int Uid, string Intf), Link> peerLinks) =>
        peerLinks.TryGetValue((link.Uid, link.PeerIntf), out var back) && back.PeerPod == podName && back.PeerIntf == link.LocalIntf;

    /// <summary>A peer's links by (uid, interface), built once per peer per plan so pairing stays linear in the number of links.</summary>
    private static Dictionary<(int Uid, string Intf), Link> LinksOf(Topology peer, Dictionary<PodKey, Dictionary<(int Uid, string Intf), Link>> cache)
    {
        if (!cache.TryGetValue(peer.Key, out var byUid))
        {
            byUid = [];
            foreach (var l in peer.Spec.Links)
            {
                byUid.TryAdd((l.Uid, l.LocalIntf), l);
            }

            cache[peer.Key] = byUid;
        }

        return byUid;
    }

    private static EndpointSpec Endpoint(PodKey pod, string netNs, string intf, string? ip, string? mac) =>
        new(pod, netNs, intf,
            string.IsNullOrEmpty(ip) ? [] : [IpPrefix.Parse(ip)],
            string.IsNullOrEmpty(mac) ? null : PhysicalAddress.Parse(mac));
}

/// <summary>What to plumb now, and what waits for a peer.</summary>
public sealed record LinkPlan(IReadOnlyList<PlannedLink> Links, IReadOnlyList<PendingLink> Pending)
{
    /// <summary>Cross-node links that can be plumbed as soon as a VNI is allocated for them.</summary>
    public IReadOnlyList<(string Namespace, int Uid)> NeedsVni { get; init; } = [];

    /// <summary>Cross-node links (gRPC mode) that can be plumbed as soon as this node has assigned an id to its end.</summary>
    public IReadOnlyList<(string Namespace, int Uid)> NeedsWireId { get; init; } = [];
}

/// <summary>
/// What the planner needs to plan links to other nodes: this node's underlay address, the VNIs known so far, and the
/// underlay interface when one is pinned (HOST_INTF). With <see cref="WireIdOf"/> (INTER_NODE_LINK_TYPE=GRPC), such
/// links are gRPC wires instead of VXLAN, and it gives the ids this node assigned to its wire ends so far.
/// </summary>
public sealed record CrossNodeContext(System.Net.IPAddress NodeAddress, Func<string, int, int?> VniOf, string? Device = null)
{
    public Func<string, int, long?>? WireIdOf { get; init; }
}

/// <summary>A declared link end that cannot be plumbed yet.</summary>
public sealed record PendingLink(PodKey Pod, int Uid, string Intf, string Reason)
{
    /// <summary>Pending because the peer pod is not running (deleted, or not started yet), not because of a mismatch.</summary>
    public bool PeerNotRunning { get; init; }
}
