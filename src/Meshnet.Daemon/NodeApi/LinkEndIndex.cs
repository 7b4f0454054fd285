using Meshnet.Daemon.Topologies;
using Meshnet.Model;

namespace Meshnet.Daemon.NodeApi;

/// <summary>
/// Which pods declare link (namespace, uid), kept current from the topology cache's change events, so a peer's
/// request resolves its link without scanning every topology. Entries only point into the cache: every lookup
/// re-reads the pods and keeps those that still declare the uid, so a stale entry can never authorize anything.
/// </summary>
internal sealed class LinkEndIndex : IDisposable
{
    private readonly TopologyCache _cache;
    private readonly Dictionary<(string Namespace, int Uid), HashSet<string>> _pods = [];
    private readonly Lock _gate = new();

    public LinkEndIndex(TopologyCache cache)
    {
        _cache = cache;
        _cache.Changed += OnChanged; // subscribe first, then seed: a change racing the seed is never lost
        foreach (var t in _cache.Items.Values)
        {
            OnChanged(null, t);
        }
    }

    /// <summary>The pods in <paramref name="namespace"/> whose spec declares pod-to-pod link <paramref name="uid"/>, with that link.</summary>
    public IReadOnlyList<(Topology Pod, Link Link)> Ends(string @namespace, int uid)
    {
        string[] names;
        lock (_gate)
        {
            names = _pods.TryGetValue((@namespace, uid), out var set) ? [.. set] : [];
        }

        var ends = new List<(Topology, Link)>(names.Length);
        foreach (var name in names)
        {
            if (_cache.Get(new PodKey(@namespace, name)) is { } pod && DeclaredLink(pod, uid) is { } link)
            {
                ends.Add((pod, link));
            }
        }

        return ends;
    }

    /// <summary>The pod-to-pod link <paramref name="uid"/> in the pod's spec (macvlan links have no peer node).</summary>
    public static Link? DeclaredLink(Topology pod, int uid) => pod.Spec.Links.FirstOrDefault(l => l.Uid == uid && !l.IsMacvlan);

    private void OnChanged(Topology? before, Topology? after)
    {
        lock (_gate)
        {
            foreach (var link in before?.Spec.Links ?? [])
            {
                if (_pods.TryGetValue((before!.Namespace, link.Uid), out var set) && set.Remove(before.Name) && set.Count == 0)
                {
                    _pods.Remove((before.Namespace, link.Uid));
                }
            }

            foreach (var link in after?.Spec.Links.Where(l => !l.IsMacvlan) ?? [])
            {
                var key = (after!.Namespace, link.Uid);
                if (!_pods.TryGetValue(key, out var set))
                {
                    _pods[key] = set = [];
                }

                set.Add(after.Name);
            }
        }
    }

    public void Dispose() => _cache.Changed -= OnChanged;
}
