namespace Meshnet.Model;

/// <summary>A link as declared by one Topology: the object and its <c>spec.links[]</c> entry.</summary>
public readonly record struct DeclaredLink(Topology Topology, Link Link)
{
    public LinkKey Key => LinkIdentity.Key(Topology, Link);

    public LinkEnd End => LinkIdentity.Local(Topology, Link);
}

/// <summary>
/// An index over a set of Topologies for the engine: objects by pod and declared link ends by (namespace, uid), so
/// finding a link's other end is a dictionary lookup. Kept current with <see cref="Upsert"/> and
/// <see cref="Remove"/> as watch events arrive. Not thread-safe: one reconciler owns it.
/// </summary>
public sealed class TopologyGraph
{
    private readonly Dictionary<PodKey, Topology> _topologies = [];

    // Usually one or two ends per key; more only in an invalid set, which validation reports.
    private readonly Dictionary<LinkKey, List<DeclaredLink>> _ends = [];

    public TopologyGraph()
    {
    }

    public TopologyGraph(IEnumerable<Topology> topologies)
    {
        foreach (var t in topologies)
        {
            Upsert(t);
        }
    }

    public int Count => _topologies.Count;

    public IEnumerable<Topology> Topologies => _topologies.Values;

    public Topology? Get(PodKey pod) => _topologies.GetValueOrDefault(pod);

    /// <summary>Adds the object or replaces the stored one with the same key.</summary>
    public void Upsert(Topology topology)
    {
        Remove(topology.Key);
        _topologies[topology.Key] = topology;
        foreach (var link in topology.Spec.Links)
        {
            var key = LinkIdentity.Key(topology, link);
            if (!_ends.TryGetValue(key, out var ends))
            {
                _ends[key] = ends = new List<DeclaredLink>(2);
            }

            ends.Add(new DeclaredLink(topology, link));
        }
    }

    /// <summary>Forgets the object; false when it was not there.</summary>
    public bool Remove(PodKey pod)
    {
        if (!_topologies.Remove(pod, out var old))
        {
            return false;
        }

        foreach (var link in old.Spec.Links)
        {
            var key = LinkIdentity.Key(old, link);
            if (_ends.TryGetValue(key, out var ends))
            {
                ends.RemoveAll(e => e.Topology.Key == pod);
                if (ends.Count == 0)
                {
                    _ends.Remove(key);
                }
            }
        }

        return true;
    }

    /// <summary>Every declared end with this (namespace, uid).</summary>
    public IReadOnlyList<DeclaredLink> EndsOf(LinkKey key) => _ends.TryGetValue(key, out var ends) ? ends : [];

    /// <summary>
    /// The other end of <paramref name="link"/>: the end with the same uid in pod <c>peer_pod</c> whose
    /// <c>local_intf</c> is our <c>peer_intf</c> and which points back at us. Null while the peer is not declared
    /// (the link is pending), for macvlan links, and when the would-be peer disagrees (an invalid pair is never plumbed).
    /// </summary>
    public DeclaredLink? PeerOf(Topology topology, Link link)
    {
        if (link.IsMacvlan || !_ends.TryGetValue(LinkIdentity.Key(topology, link), out var ends))
        {
            return null;
        }

        foreach (var end in ends)
        {
            var isSelf = end.Topology.Key == topology.Key && end.Link.LocalIntf == link.LocalIntf;
            if (!isSelf
                && end.Topology.Name == link.PeerPod && end.Link.LocalIntf == link.PeerIntf
                && end.Link.PeerPod == topology.Name && end.Link.PeerIntf == link.LocalIntf)
            {
                return end;
            }
        }

        return null;
    }
}
