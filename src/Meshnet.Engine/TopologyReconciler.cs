using Meshnet.Model;
using Meshnet.Store;

namespace Meshnet.Engine;

/// <summary>
/// One reconciliation step shared by <c>meshnetctl lab</c> and <c>meshnetd</c>: for a set of pods on this node, removes
/// interfaces of links their spec no longer has, plans and converges every link that can be plumbed now, and records
/// per-link state and <c>plumbing_error</c> in each pod's status. Idempotent: run it on any state, as often as wanted.
/// </summary>
public sealed class TopologyReconciler(ITopologyStore store, LinkEngine engine, string nodeNetNs = "", CrossNodeOptions? crossNode = null)
{
    /// <param name="pods">Alive pods on this node whose links should be converged.</param>
    /// <param name="world">
    /// Every known Topology: peers are looked up here, and each status write starts from the copy here (its
    /// resourceVersion is the precondition), so a pass whose statuses are already right asks the store nothing. A copy
    /// that is behind the store costs a conflict and a re-read; a missing one, a read.
    /// </param>
    /// <param name="isLocal">Whether a pod runs on this node.</param>
    public async Task<ReconcileResult> ReconcileAsync(
        IReadOnlyCollection<Topology> pods, IReadOnlyDictionary<PodKey, Topology> world, Func<Topology, bool> isLocal, CancellationToken ct)
    {
        foreach (var pod in pods)
        {
            RemoveDroppedInterfaces(pod);
        }

        var context = crossNode is null ? null : new CrossNodeContext(crossNode.NodeAddress, crossNode.Vnis.Known, crossNode.Device);
        var plan = LinkPlanner.Plan(pods, world, isLocal, context);
        if (crossNode is not null && plan.NeedsVni.Count > 0)
        {
            foreach (var (ns, uid) in plan.NeedsVni)
            {
                await crossNode.Vnis.AllocateAsync(ns, uid, ct);
            }

            plan = LinkPlanner.Plan(pods, world, isLocal, context);
        }

        RemoveEndsOfPendingLinks(pods, plan);
        var result = engine.Converge(plan.Links, nodeNetNs);

        // The pod incarnation (container, netns, node) each status write is for: the pass's own pods as given, their
        // same-node peers as the world showed them when the plan was made.
        var planned = pods.ToDictionary(p => p.Key, p => p.Status);
        foreach (var end in result.Links.SelectMany(l => l.Link.LocalEnds))
        {
            if (!planned.ContainsKey(end.Pod) && world.GetValueOrDefault(end.Pod) is { } peer)
            {
                planned[end.Pod] = peer.Status;
            }
        }

        result = await PendWhereAPodWentAwayAsync(result, planned, ct);
        var statuses = StatusByEnd(plan, result);

        // Both ends of a same-node link get their status, even when only one of the pods was asked for.
        var stored = new List<Topology>();
        foreach (var (key, incarnation) in planned)
        {
            if (await store.PatchStatusAsync(key, world.GetValueOrDefault(key), current => WithLinkStatus(current, incarnation, statuses), ct) is { } written)
            {
                stored.Add(written);
            }
        }

        return new ReconcileResult(plan, result, stored);
    }

    /// <summary>
    /// Whether <paramref name="current"/> is still the pod incarnation a pass planned for: alive, in the same container,
    /// netns and node. A DEL (or a re-ADD in a new sandbox) that lands while the pass runs changes one of them.
    /// </summary>
    public static bool IsSameIncarnation(TopologyStatus current, TopologyStatus planned) =>
        current.IsAlive
        && (current.ContainerId ?? "") == (planned.ContainerId ?? "")
        && current.NetNs == planned.NetNs
        && (current.NodeName ?? "") == (planned.NodeName ?? "");

    /// <summary>
    /// A link that failed because one of its pods went away during the pass (DELeted, its netns removed) is pending,
    /// not failed: the pod that stays is not to blame for its peer vanishing (its ADD must not fail with a
    /// plumbing_error like "No such device"). Only failed links are looked at, so a healthy pass reads nothing.
    /// </summary>
    private async Task<ConvergeResult> PendWhereAPodWentAwayAsync(
        ConvergeResult result, Dictionary<PodKey, TopologyStatus> planned, CancellationToken ct)
    {
        if (!result.Failures.Any())
        {
            return result;
        }

        var gone = new Dictionary<PodKey, bool>();
        async Task<bool> WentAwayAsync(EndpointSpec end)
        {
            if (!gone.TryGetValue(end.Pod, out var away))
            {
                away = !File.Exists(end.NetNsPath)
                    || !planned.TryGetValue(end.Pod, out var incarnation)
                    || await store.GetAsync(end.Pod, ct) is not { } now
                    || !IsSameIncarnation(now.Status, incarnation);
                gone[end.Pod] = away;
            }

            return away;
        }

        var outcomes = new List<LinkOutcome>(result.Links.Count);
        foreach (var outcome in result.Links)
        {
            EndpointSpec? vanished = null;
            if (outcome.State == LinkState.Failed)
            {
                foreach (var end in outcome.Link.LocalEnds)
                {
                    if (await WentAwayAsync(end))
                    {
                        vanished = end;
                        break;
                    }
                }
            }

            outcomes.Add(vanished is null
                ? outcome
                : outcome with { State = LinkState.Pending, Error = $"pod {vanished.Pod} went away while its link was plumbed ({outcome.Error})" });
        }

        return result with { Links = outcomes };
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

    /// <summary>
    /// A link built before whose peer is gone (deleted, or moved away) is pending again: its local end goes too.
    /// (A veth end vanishes with its peer by itself; a VXLAN end would otherwise keep pointing at the old node.)
    /// </summary>
    private void RemoveEndsOfPendingLinks(IReadOnlyCollection<Topology> pods, LinkPlan plan)
    {
        var pendingByPod = plan.Pending.ToLookup(p => p.Pod);
        foreach (var pod in pods.Where(p => !string.IsNullOrEmpty(p.Status.NetNs)))
        {
            var built = pod.Status.Links.Where(s => s.State != LinkState.Pending).Select(s => (s.Uid, s.Intf)).ToHashSet();
            var stale = pendingByPod[pod.Key]
                .Where(p => built.Contains((p.Uid, p.Intf)))
                .Select(p => p.Intf)
                .ToList();
            if (stale.Count > 0)
            {
                engine.RemoveInterfaces(pod.Status.NetNs!, stale);
            }
        }
    }

    /// <summary>Loads what must be known before the first pass (VNIs allocated so far).</summary>
    public Task LoadAsync(CancellationToken ct) => crossNode?.Vnis.LoadAsync(ct) ?? Task.CompletedTask;

    /// <summary>
    /// Frees the VNIs of the deleted pod's links that its peer (in <paramref name="world"/>) no longer declares. A VNI
    /// belongs to (namespace, uid) and a uid to one pair of pods, so only the peer can still hold it: one lookup per
    /// link, not a scan of every Topology per deleted pod.
    /// </summary>
    public async Task ReleaseUnusedVnisAsync(Topology gone, IReadOnlyDictionary<PodKey, Topology> world, CancellationToken ct)
    {
        if (crossNode is null)
        {
            return;
        }

        foreach (var link in gone.Spec.Links.Where(l => !l.IsMacvlan))
        {
            var peer = new PodKey(gone.Namespace, link.PeerPod);
            var stillDeclared = peer != gone.Key && world.TryGetValue(peer, out var other) && other.Spec.Links.Any(l => l.Uid == link.Uid);
            if (!stillDeclared)
            {
                await crossNode.Vnis.ReleaseAsync(gone.Namespace, link.Uid, ct);
            }
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

    private static TopologyStatus WithLinkStatus(
        Topology current, TopologyStatus planned, Dictionary<(PodKey, int, string), LinkStatus> statuses)
    {
        // A DEL (or a new sandbox) since the plan: this pass's view of the pod is history, and writing it would bring
        // back links of a pod the node no longer has. Re-checked on every retry of the write, against a fresh read.
        if (!IsSameIncarnation(current.Status, planned))
        {
            return current.Status;
        }

        // Previous entries by (uid, interface): one lookup per link, not a scan (pods may have thousands of links).
        var previous = new Dictionary<(int, string?), LinkStatus>();
        foreach (var old in current.Status.Links)
        {
            previous.TryAdd((old.Uid, old.Intf), old);
        }

        var links = current.Spec.Links
            .Select(l => statuses.GetValueOrDefault((current.Key, l.Uid, l.LocalIntf)) ?? previous.GetValueOrDefault((l.Uid, l.LocalIntf)))
            .OfType<LinkStatus>()
            .ToList();
        var errors = links.Where(l => l.State == LinkState.Failed).Select(l => $"uid {l.Uid} ({l.Intf}): {l.Error}").ToList();
        return current.Status with { Links = links, PlumbingError = string.Join("; ", errors) };
    }
}

/// <summary>How this node reaches others: its underlay address, the VNI allocator, and the pinned underlay interface (HOST_INTF) if any.</summary>
public sealed record CrossNodeOptions(System.Net.IPAddress NodeAddress, VniAllocator Vnis, string? Device = null);

/// <param name="Stored">
/// Every touched pod's Topology as the store holds it after this pass's status write (or as it was, when its status
/// needed no change): a caller with a cache takes these, so its next write starts from the current version.
/// </param>
public sealed record ReconcileResult(LinkPlan Plan, ConvergeResult Converge, IReadOnlyList<Topology> Stored)
{
    public int Failed => Converge.Failures.Count();
}
