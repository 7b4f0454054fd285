using Meshnet.Model;
using Meshnet.Store;

namespace Meshnet.Engine;

/// <summary>
/// One reconciliation step shared by <c>meshnetctl lab</c> and <c>meshnetd</c>: for a set of pods on this node, removes
/// interfaces of links their spec no longer has, plans and converges every link that can be plumbed now, and records
/// per-link state and <c>plumbing_error</c> in each pod's status. Idempotent: run it on any state, as often as wanted.
/// </summary>
public sealed class TopologyReconciler(ITopologyStore store, LinkEngine engine, string nodeNetNs = "")
{
    /// <param name="pods">Alive pods on this node whose links should be converged.</param>
    /// <param name="world">Every known Topology (peers are looked up here).</param>
    /// <param name="isLocal">Whether a pod runs on this node.</param>
    public async Task<ReconcileResult> ReconcileAsync(
        IReadOnlyCollection<Topology> pods, IReadOnlyDictionary<PodKey, Topology> world, Func<Topology, bool> isLocal, CancellationToken ct)
    {
        foreach (var pod in pods)
        {
            RemoveDroppedInterfaces(pod);
        }

        var plan = LinkPlanner.Plan(pods, world, isLocal);
        var result = engine.Converge(plan.Links, nodeNetNs);
        var statuses = StatusByEnd(plan, result);

        // Both ends of a same-node link get their status, even when only one of the pods was asked for.
        var touched = pods.Select(p => p.Key)
            .Concat(result.Links.SelectMany(l => l.Link.LocalEnds).Select(e => e.Pod))
            .Distinct();
        foreach (var key in touched)
        {
            await store.PatchStatusAsync(key, current => WithLinkStatus(current, statuses), ct);
        }

        return new ReconcileResult(plan, result);
    }

    /// <summary>
    /// Deletes the interfaces a previous pass built (recorded in status.links) for links the spec no longer has, or
    /// now names differently.
    /// </summary>
    private void RemoveDroppedInterfaces(Topology pod)
    {
        if (string.IsNullOrEmpty(pod.Status.NetNs))
        {
            return;
        }

        var declared = pod.Spec.Links.Select(l => (l.Uid, l.LocalIntf)).ToHashSet();
        var dropped = pod.Status.Links
            .Where(s => s.Intf is not null && s.State != LinkState.Pending && !declared.Contains((s.Uid, s.Intf)))
            .Select(s => s.Intf!)
            .ToList();
        if (dropped.Count > 0)
        {
            engine.RemoveInterfaces(pod.Status.NetNs, dropped);
        }
    }

    private static Dictionary<(PodKey, int, string), LinkStatus> StatusByEnd(LinkPlan plan, ConvergeResult result)
    {
        var byEnd = new Dictionary<(PodKey, int, string), LinkStatus>();
        foreach (var outcome in result.Links)
        {
            foreach (var end in outcome.Link.LocalEnds)
            {
                byEnd[(end.Pod, outcome.Link.Uid, end.Intf)] = new LinkStatus
                {
                    Uid = outcome.Link.Uid, Intf = end.Intf, State = outcome.State,
                    Transport = outcome.Link.Transport, Error = outcome.Error,
                };
            }
        }

        foreach (var p in plan.Pending)
        {
            byEnd.TryAdd((p.Pod, p.Uid, p.Intf), new LinkStatus { Uid = p.Uid, Intf = p.Intf, State = LinkState.Pending, Error = p.Reason });
        }

        return byEnd;
    }

    private static TopologyStatus WithLinkStatus(Topology current, Dictionary<(PodKey, int, string), LinkStatus> statuses)
    {
        var links = current.Spec.Links
            .Select(l => statuses.GetValueOrDefault((current.Key, l.Uid, l.LocalIntf)) ?? current.Status.Links.FirstOrDefault(s => s.Uid == l.Uid && s.Intf == l.LocalIntf))
            .OfType<LinkStatus>()
            .ToList();
        var errors = links.Where(l => l.State == LinkState.Failed).Select(l => $"uid {l.Uid} ({l.Intf}): {l.Error}").ToList();
        return current.Status with { Links = links, PlumbingError = string.Join("; ", errors) };
    }
}

public sealed record ReconcileResult(LinkPlan Plan, ConvergeResult Converge)
{
    public int Failed => Converge.Failures.Count();
}
