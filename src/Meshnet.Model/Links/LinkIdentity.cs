namespace Meshnet.Model;

/// <summary>
/// Who a link's ends are and which end owns it. The owner is the end whose (namespace, pod, interface) sorts first
/// ordinally; both sides compute the same answer from the declaration alone, so no handshake is needed to decide
/// who creates a shared device. A macvlan link has only its local end, which owns it.
/// </summary>
public static class LinkIdentity
{
    public static LinkKey Key(Topology topology, Link link) => new(topology.Namespace, link.Uid);

    /// <summary>The end declared by <paramref name="topology"/>.</summary>
    public static LinkEnd Local(Topology topology, Link link) => new(topology.Key, link.LocalIntf);

    /// <summary>The end at <c>peer_pod</c>/<c>peer_intf</c>, or null for a macvlan link (its peer is the host).</summary>
    public static LinkEnd? Remote(Topology topology, Link link) =>
        link.IsMacvlan ? null : new LinkEnd(new PodKey(topology.Namespace, link.PeerPod), link.PeerIntf);

    /// <summary>The end responsible for the link's shared state (for veth: the end that creates the pair).</summary>
    public static LinkEnd Owner(Topology topology, Link link)
    {
        var local = Local(topology, link);
        return Remote(topology, link) is { } remote && remote < local ? remote : local;
    }

    public static bool IsOwner(Topology topology, Link link) => Owner(topology, link) == Local(topology, link);
}
