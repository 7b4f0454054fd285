using Grpc.Core;
using Meshnet.Daemon.Reconcile;
using Meshnet.Daemon.Topologies;
using Meshnet.Engine;
using Meshnet.Model;
using Meshnet.Protocol;
using Meshnet.Protocol.V1;
using Meshnet.Store;

namespace Meshnet.Daemon.Cni;

/// <summary>
/// What the <c>meshnet</c> plugin asks of this node, over the root-only Unix socket. ADD registers the pod as alive
/// and waits for the pass that plumbs its links (those whose peer is up now; the rest follow when the peer comes);
/// DEL is idempotent and only acts for the pod's current container; CHECK compares the pod's interfaces with its
/// Topology; GC forgets containers the runtime no longer has.
/// </summary>
internal sealed partial class CniBackendService(
    ITopologyStore store,
    TopologyCache cache,
    NodeReconciler reconciler,
    LinkEngine engine,
    DaemonOptions options,
    ILogger<CniBackendService> logger) : CniBackend.CniBackendBase
{
    // CNI error codes (spec): 3 unknown container, 4 invalid env, 7 invalid config, 11 try again later; 100+ ours.
    private const uint CodeUnknownContainer = 3;
    private const uint CodeInvalidEnv = 4;
    private const uint CodeInvalidConfig = 7;
    private const uint CodeTryAgain = 11;
    private const uint CodeCheckFailed = 100;

    private readonly PendingPodSpool _spool = new(options.StateDir);
    private readonly PendingPodSpool _deletions = PendingPodSpool.ForDeletions(options.StateDir);

    public override async Task<CniReply> Add(CniRequest request, ServerCallContext context)
    {
        if (Invalid(request, needNetns: true) is { } bad)
        {
            return bad;
        }

        var key = new PodKey(request.PodNamespace, request.PodName);
        // A read, not the cache: a Topology created a moment before its pod (as KNE does) may not have reached the
        // watch yet, and a pod without one passes straight through.
        var topo = await store.GetAsync(key, context.CancellationToken);
        if (topo is null)
        {
            return new CniReply { HasTopology = false };
        }

        if (TopologyValidator.Validate(topo) is { IsValid: false } invalid)
        {
            return Error(CodeInvalidConfig, $"Topology {key} is invalid", string.Join("; ", invalid.Errors));
        }

        if (topo.Spec.Links.FirstOrDefault(l => l.LocalIntf == request.Ifname) is { } clash)
        {
            return Error(CodeInvalidConfig, $"Topology {key}: spec.links uid {clash.Uid} uses local_intf {clash.LocalIntf}, which is the pod's primary interface (CNI_IFNAME)");
        }

        _spool.Remove(request.ContainerId);
        _deletions.Remove(request.ContainerId); // this ADD is newer than a DEL spooled while we were down
        LogAdd(logger, key.ToString(), request.ContainerId, request.Netns);
        var alive = await RegisterAsync(topo, request.Netns, request.ContainerId, context.CancellationToken);
        if (alive is null)
        {
            return new CniReply { HasTopology = false }; // deleted in between: nothing to plumb
        }

        Topology? plumbed;
        try
        {
            plumbed = await reconciler.Queue.EnqueueAndWaitAsync(key).WaitAsync(options.AddTimeout, context.CancellationToken);
        }
        catch (TimeoutException)
        {
            return Error(CodeTryAgain, $"meshnet: links of {key} not plumbed within {options.AddTimeout.TotalSeconds:0} s; try again later");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return Error(CodeTryAgain, $"meshnet: plumbing {key} failed: {e.Message}");
        }

        // The pass hands back the status it stored for the pod: no read needed to see its plumbing_error. (Null: the
        // pass did not touch the pod, which was deleted or DELeted meanwhile; nothing failed.)
        if (plumbed?.Status.PlumbingError is { Length: > 0 } plumbingError)
        {
            // Never report success for a pod whose links failed: the runtime retries, the error stays in status.
            return Error(CodeTryAgain, $"meshnet: plumbing {key} failed", plumbingError);
        }

        return new CniReply { HasTopology = true };
    }

    public override async Task<CniReply> Del(CniRequest request, ServerCallContext context)
    {
        if (string.IsNullOrEmpty(request.PodName) || string.IsNullOrEmpty(request.PodNamespace))
        {
            return new CniReply { HasTopology = false };
        }

        _spool.Remove(request.ContainerId);
        _deletions.Remove(request.ContainerId);
        var hasTopology = await DeleteAsync(new PodKey(request.PodNamespace, request.PodName), request.ContainerId, request.Netns, context.CancellationToken);
        return new CniReply { HasTopology = hasTopology };
    }

    /// <summary>
    /// DEL of the pod's <paramref name="containerId"/>: releases the pod when it runs that container (or none), and
    /// leaves a newer sandbox alone. Returns whether the pod has a Topology.
    /// </summary>
    internal async Task<bool> DeleteAsync(PodKey key, string containerId, string? netns, CancellationToken ct)
    {
        var topo = await store.GetAsync(key, ct);
        if (topo is null)
        {
            return false;
        }

        if (!string.IsNullOrEmpty(topo.Status.ContainerId) && topo.Status.ContainerId != containerId)
        {
            LogStaleDel(logger, key.ToString(), containerId, topo.Status.ContainerId);
            return true;
        }

        await ForgetPodAsync(topo, netns, ct);
        return true;
    }

    public override async Task<CniReply> Check(CniRequest request, ServerCallContext context)
    {
        if (Invalid(request, needNetns: true) is { } bad)
        {
            return bad;
        }

        var key = new PodKey(request.PodNamespace, request.PodName);
        var topo = await store.GetAsync(key, context.CancellationToken);
        if (topo is null)
        {
            return new CniReply { HasTopology = false };
        }

        if (topo.Status.ContainerId != request.ContainerId || topo.Status.NetNs != request.Netns)
        {
            return Error(CodeUnknownContainer, $"meshnet: {key} is not registered with container {request.ContainerId}");
        }

        var problems = PodInspector.FindProblems(topo, request.Netns);
        return problems.Count == 0
            ? new CniReply { HasTopology = true }
            : Error(CodeCheckFailed, $"meshnet: {key}: {problems[0]}", string.Join("; ", problems));
    }

    public override async Task<CniReply> Gc(GcRequest request, ServerCallContext context)
    {
        var valid = request.ValidAttachments.Select(a => a.ContainerId).ToHashSet(StringComparer.Ordinal);
        var stale = cache.Items.Values
            .Where(t => reconciler.IsLocalAndAlive(t) && !valid.Contains(t.Status.ContainerId ?? ""))
            .ToList();
        foreach (var topo in stale)
        {
            LogGc(logger, topo.Key.ToString(), topo.Status.ContainerId ?? "");
            await ForgetPodAsync(topo, topo.Status.NetNs, context.CancellationToken);
        }

        foreach (var pending in _spool.ReadAll().Where(p => !valid.Contains(p.ContainerId)))
        {
            _spool.Remove(pending.ContainerId);
        }

        return new CniReply();
    }

    public override Task<CniReply> Status(StatusRequest request, ServerCallContext context) =>
        Task.FromResult(cache.IsSynced
            ? new CniReply()
            : Error(50, "meshnet daemon is starting: topologies not loaded yet"));

    /// <summary>
    /// Records the pod as alive on this node (netns, container, node address) with optimistic concurrency, starting
    /// from <paramref name="known"/> (the copy just read, or the cache's): one request when that copy is current.
    /// </summary>
    internal async Task<Topology?> RegisterAsync(Topology known, string netns, string containerId, CancellationToken ct)
    {
        var alive = await store.PatchStatusAsync(known.Key, known, t => t.Status with
        {
            NetNs = netns,
            ContainerId = containerId,
            SrcIp = options.NodeIp,
            NodeName = options.NodeName,
            PlumbingError = "",
        }, ct);
        if (alive is not null)
        {
            cache.Observe(alive);
        }

        return alive;
    }

    /// <summary>
    /// Marks the pod not alive, then removes its interfaces (when its namespace still exists). The write starts from
    /// <paramref name="topo"/> (just read, or the cache's copy), re-reading only when it is behind.
    /// </summary>
    private async Task ForgetPodAsync(Topology topo, string? netns, CancellationToken ct)
    {
        // Status first: once the pod is not alive no reconcile pass (woken by its peers' link-down events) will
        // rebuild links into the namespace being torn down.
        LogDel(logger, topo.Key.ToString(), topo.Status.ContainerId ?? "");
        var cleared = await store.PatchStatusAsync(topo.Key, topo, t => t.Status with
        {
            NetNs = "", ContainerId = "", SrcIp = "", NodeName = "", PlumbingError = "", Links = [],
        }, ct);
        if (cleared is not null)
        {
            cache.Observe(cleared);
        }

        if (!string.IsNullOrEmpty(netns))
        {
            var intfs = topo.Status.Links.Select(l => l.Intf).OfType<string>().Concat(topo.Spec.Links.Select(l => l.LocalIntf));
            engine.RemoveInterfaces(netns, intfs);
        }
    }

    private static CniReply? Invalid(CniRequest r, bool needNetns)
    {
        if (string.IsNullOrEmpty(r.PodName) || string.IsNullOrEmpty(r.PodNamespace))
        {
            return Error(CodeInvalidEnv, "meshnet: pod name and namespace are required");
        }

        if (string.IsNullOrEmpty(r.ContainerId))
        {
            return Error(CodeInvalidEnv, "meshnet: container id is required");
        }

        if (needNetns && Netlink.NetNs.WhyNotNetworkNamespace(r.Netns) is { } why)
        {
            return Error(CodeInvalidEnv, $"meshnet: netns \"{r.Netns}\" {why}");
        }

        return null;
    }

    private static CniReply Error(uint code, string msg, string details = "") =>
        new() { HasTopology = true, ErrorCode = code, ErrorMsg = msg, ErrorDetails = details };

    [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "ADD {Pod} container {ContainerId} netns {NetNs}")]
    private static partial void LogAdd(ILogger logger, string pod, string containerId, string netNs);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "DEL {Pod} container {ContainerId}")]
    private static partial void LogDel(ILogger logger, string pod, string containerId);

    [LoggerMessage(EventId = 302, Level = LogLevel.Information, Message = "Ignoring DEL of {Pod} for stale container {ContainerId} (current {Current})")]
    private static partial void LogStaleDel(ILogger logger, string pod, string containerId, string current);

    [LoggerMessage(EventId = 303, Level = LogLevel.Information, Message = "GC: {Pod} container {ContainerId} is gone")]
    private static partial void LogGc(ILogger logger, string pod, string containerId);
}
