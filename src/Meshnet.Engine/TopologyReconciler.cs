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
        var wires = crossNode?.Wires;
        var context = crossNode is null ? null : new CrossNodeContext(crossNode.NodeAddress, crossNode.Vnis.Known, crossNode.Device)
        {
            WireIdOf = wires is null ? null : wires.Book.IdOf,
        };
        var plan = LinkPlanner.Plan(pods, world, isLocal, context);
        if (crossNode is not null && plan.NeedsVni.Count + plan.NeedsWireId.Count > 0)
        {
            foreach (var (ns, uid) in plan.NeedsVni)
            {
                await crossNode.Vnis.AllocateAsync(ns, uid, ct);
            }

            foreach (var (ns, uid) in plan.NeedsWireId)
            {
                await wires!.Book.AllocateAsync(ns, uid, ct);
            }

            plan = LinkPlanner.Plan(pods, world, isLocal, context);
        }

        // Wires first: an end no longer planned is detached before its TAP goes (by the drop below or by the engine
        // replacing it with a veth); an end whose peer pod stopped is kept, without carrier, like a pulled cable.
        var held = wires is null ? [] : HeldWires(wires.Book, plan);
        if (wires is not null)
        {
            var passPods = pods.Select(p => p.Key).ToHashSet();
            var plannedWires = plan.Links.OfType<PlannedGrpcWire>().Select(l => new WireKey(l.Namespace, l.Uid)).ToHashSet();
            await DropWiresAsync(wires, r => passPods.Contains(new PodKey(r.Namespace, r.LocalPodName)) && !plannedWires.Contains(r.Key) && !held.ContainsKey(r.Key), ct);
        }

        foreach (var pod in pods)
        {
            RemoveDroppedInterfaces(pod);
        }

        RemoveEndsOfPendingLinks(pods, plan, held);
        if (wires is not null)
        {
            // Recorded before the TAP exists: a daemon killed at any moment after this finds the record and cleans up.
            await wires.Book.RecordAsync(plan.Links.OfType<PlannedGrpcWire>().Select(w => RecordOf(wires.Book, w, peerWireId: null)), ct);
        }

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
        Dictionary<WireKey, LinkStatus> wireStates = [];
        if (wires is not null)
        {
            (wireStates, result) = await SyncWiresAsync(wires, result, held, ct);
        }

        var statuses = StatusByEnd(plan, result, wireStates);

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
    /// Wire ends built before whose peer pod is not running now: their TAP stays (no carrier) and their record too,
    /// so the link comes back by itself when the peer does. Keyed by link, with why they are down.
    /// </summary>
    private static Dictionary<WireKey, (WireRecord Record, string Reason)> HeldWires(WireBook book, LinkPlan plan)
    {
        var held = new Dictionary<WireKey, (WireRecord, string)>();
        foreach (var p in plan.Pending.Where(p => p.PeerNotRunning))
        {
            var key = new WireKey(p.Pod.Namespace, p.Uid);
            if (book.RecordOf(key) is { } r && r.LocalPodName == p.Pod.Name && r.LocalIntf == p.Intf)
            {
                held[key] = (r, p.Reason);
            }
        }

        return held;
    }

    /// <summary>
    /// Attaches every wire end built in this pass, detaches held ones (their peer is gone), records the peer's id
    /// once the data path has learnt it, and returns each end's state for the status; an end the data path refused
    /// becomes a failed link of the pass (so it is retried with backoff like any other).
    /// </summary>
    private static async Task<(Dictionary<WireKey, LinkStatus> States, ConvergeResult Result)> SyncWiresAsync(
        GrpcWireOptions wires, ConvergeResult result, Dictionary<WireKey, (WireRecord Record, string Reason)> held, CancellationToken ct)
    {
        var states = new Dictionary<WireKey, LinkStatus>();
        var learnt = new List<WireRecord>();
        var refused = new Dictionary<PlannedLink, LinkOutcome>(ReferenceEqualityComparer.Instance);
        foreach (var outcome in result.Links)
        {
            if (outcome.Link is not PlannedGrpcWire wire)
            {
                continue;
            }

            if (outcome.State != LinkState.Up)
            {
                wires.Attachments.Detach(wire.LocalId);
                continue;
            }

            try
            {
                wires.Attachments.Attach(wire);
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or UnauthorizedAccessException)
            {
                wires.Attachments.Detach(wire.LocalId);
                refused[wire] = LinkOutcome.Failed(wire, $"{wire.End.Pod}: {wire.End.Intf}: attaching the wire to its relay: {e.Message}");
                continue;
            }

            var state = wires.Attachments.StateOf(wire.LocalId);
            var key = new WireKey(wire.Namespace, wire.Uid);
            states[key] = new LinkStatus
            {
                Uid = wire.Uid, Intf = wire.End.Intf, Transport = wire.Transport,
                State = state?.CarrierUp == true ? LinkState.Up : LinkState.Down,
                Error = state?.CarrierUp == true ? null : state?.DownReason ?? "waiting for the peer node's end",
                Counters = state?.Counters,
            };
            if (state is { PeerWireId: > 0 } && wires.Book.RecordOf(key) is { } r && r.PeerWireId != state.PeerWireId)
            {
                learnt.Add(r with { PeerWireId = state.PeerWireId });
            }
        }

        foreach (var (key, (record, reason)) in held)
        {
            wires.Attachments.Detach(record.LocalId);
            states[key] = new LinkStatus { Uid = key.Uid, Intf = record.LocalIntf, Transport = "grpc", State = LinkState.Down, Error = reason };
        }

        await wires.Book.RecordAsync(learnt, ct);
        return (states, refused.Count == 0 ? result : result with { Links = [.. result.Links.Select(o => refused.GetValueOrDefault(o.Link) ?? o)] });
    }

    private static WireRecord RecordOf(WireBook book, PlannedGrpcWire w, long? peerWireId) => new(
        book.NodeName, w.Namespace, w.Uid, w.LocalId, w.End.Pod.Name, w.End.NetNsPath,
        string.Join(",", w.End.Addresses.Select(a => a.ToString())), w.End.Intf, w.PeerNode, w.PeerNodeAddress.ToString(),
        peerWireId ?? book.RecordOf(new WireKey(w.Namespace, w.Uid))?.PeerWireId ?? 0);

    /// <summary>Detaches, deletes the TAP of, and forgets every recorded wire end that <paramref name="drop"/> selects.</summary>
    private async Task DropWiresAsync(GrpcWireOptions wires, Func<WireRecord, bool> drop, CancellationToken ct)
    {
        var dropped = wires.Book.Records.Where(drop).ToList();
        foreach (var r in dropped)
        {
            wires.Attachments.Detach(r.LocalId);
        }

        foreach (var byNs in dropped.GroupBy(r => r.LocalPodNetNs))
        {
            engine.RemoveTaps(byNs.Key, byNs.Select(r => r.LocalIntf));
        }

        await wires.Book.ForgetAsync([.. dropped.Select(r => r.Key)], ct);
    }

    /// <summary>
    /// Drops the wire ends of pods that are gone from this node (deleted, moved away, DEL'd): detached, TAP deleted,
    /// record and id released. Pods still here are left to the passes.
    /// </summary>
    public Task DropWiresOfAsync(IReadOnlyCollection<PodKey> pods, CancellationToken ct) =>
        crossNode?.Wires is { } wires
            ? DropWiresAsync(wires, r => pods.Contains(new PodKey(r.Namespace, r.LocalPodName)), ct)
            : Task.CompletedTask;

    /// <summary>
    /// At start: drops recorded wire ends whose pod is no longer alive on this node (or runs in another namespace now,
    /// a restarted sandbox); the others are reattached by the first pass over their pods.
    /// </summary>
    public Task DropStaleWiresAsync(IReadOnlyDictionary<PodKey, Topology> world, Func<Topology, bool> isLocalAndAlive, CancellationToken ct) =>
        crossNode?.Wires is { } wires
            ? DropWiresAsync(wires, r => !world.TryGetValue(new PodKey(r.Namespace, r.LocalPodName), out var pod)
                || !isLocalAndAlive(pod) || pod.Status.NetNs != r.LocalPodNetNs, ct)
            : Task.CompletedTask;

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
    private void RemoveEndsOfPendingLinks(IReadOnlyCollection<Topology> pods, LinkPlan plan, Dictionary<WireKey, (WireRecord, string)> held)
    {
        var pendingByPod = plan.Pending.Where(p => !held.ContainsKey(new WireKey(p.Pod.Namespace, p.Uid))).ToLookup(p => p.Pod);
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

    /// <summary>Loads what must be known before the first pass (VNIs allocated so far, this node's wire ids and records).</summary>
    public async Task LoadAsync(CancellationToken ct)
    {
        if (crossNode is not null)
        {
            await crossNode.Vnis.LoadAsync(ct);
            if (crossNode.Wires is { } wires)
            {
                await wires.Book.LoadAsync(ct);
            }
        }
    }

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

    private static Dictionary<(PodKey, int, string), LinkStatus> StatusByEnd(LinkPlan plan, ConvergeResult result, Dictionary<WireKey, LinkStatus> wires)
    {
        var byEnd = new Dictionary<(PodKey, int, string), LinkStatus>();
        foreach (var outcome in result.Links)
        {
            foreach (var end in outcome.Link.LocalEnds)
            {
                byEnd[(end.Pod, outcome.Link.Uid, end.Intf)] = wires.GetValueOrDefault(new WireKey(outcome.Link.Namespace, outcome.Link.Uid)) ?? new LinkStatus
                {
                    Uid = outcome.Link.Uid, Intf = end.Intf, State = outcome.State,
                    Transport = outcome.Link.Transport, Error = outcome.Error,
                };
            }
        }

        foreach (var p in plan.Pending)
        {
            if (wires.TryGetValue(new WireKey(p.Pod.Namespace, p.Uid), out var held))
            {
                byEnd.TryAdd((p.Pod, p.Uid, p.Intf), held);
            }

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

/// <summary>
/// How this node reaches others: its underlay address, the VNI allocator, and the pinned underlay interface
/// (HOST_INTF) if any; with <see cref="Wires"/> (INTER_NODE_LINK_TYPE=GRPC), cross-node links are gRPC wires.
/// </summary>
public sealed record CrossNodeOptions(System.Net.IPAddress NodeAddress, VniAllocator Vnis, string? Device = null)
{
    public GrpcWireOptions? Wires { get; init; }
}

/// <param name="Stored">
/// Every touched pod's Topology as the store holds it after this pass's status write (or as it was, when its status
/// needed no change): a caller with a cache takes these, so its next write starts from the current version.
/// </param>
public sealed record ReconcileResult(LinkPlan Plan, ConvergeResult Converge, IReadOnlyList<Topology> Stored)
{
    public int Failed => Converge.Failures.Count();
}
