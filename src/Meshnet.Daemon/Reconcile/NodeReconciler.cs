using Meshnet.Daemon.Topologies;
using Meshnet.Engine;
using Meshnet.Model;

namespace Meshnet.Daemon.Reconcile;

/// <summary>
/// Watch → work queue → idempotent reconcile, for the pods on this node. Store changes and kernel link events
/// queue the pods they concern (a pod and the pods linked to it, found through the cache's index, never by a scan);
/// the worker converges everything queued in one engine pass. On start every local alive pod is queued once, so a
/// daemon restart converges (a healthy node sees no change); pods whose pass failed are retried with backoff, and
/// every local pod is looked at again each <see cref="DaemonOptions.ResyncInterval"/> (see <see cref="Requeuer"/>).
/// </summary>
internal sealed partial class NodeReconciler : BackgroundService
{
    private readonly TopologyCache _cache;
    private readonly TopologyReconciler _reconciler;
    private readonly LinkEngine _engine;
    private readonly LinkMonitor _monitor;
    private readonly DaemonOptions _options;
    private readonly ILogger<NodeReconciler> _logger;
    private readonly Dictionary<PodKey, Topology> _tombstones = [];
    private readonly Lock _tombstoneGate = new();

    private readonly Store.ITopologyStore _store;
    private readonly Requeuer _requeuer;

    public NodeReconciler(TopologyCache cache, TopologyReconciler reconciler, LinkEngine engine, WorkQueue queue,
        DaemonOptions options, Store.ITopologyStore store, TimeProvider time, ILogger<NodeReconciler> logger)
    {
        _requeuer = new Requeuer(queue, time);
        _store = store;
        _cache = cache;
        _reconciler = reconciler;
        _engine = engine;
        _options = options;
        _logger = logger;
        Queue = queue;
        _monitor = new LinkMonitor(queue, logger);
        _cache.Changed += OnChanged;
    }

    public WorkQueue Queue { get; }

    /// <summary>Whether the pod runs on this node (by its status).</summary>
    public bool IsLocal(Topology t) => t.Status.NodeName == _options.NodeName;

    public bool IsLocalAndAlive(Topology t) => t.Status.IsAlive && IsLocal(t);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await _cache.Synced.WaitAsync(stoppingToken);
        await _reconciler.LoadAsync(stoppingToken);
        // Wire ends recorded for pods that went away while the daemon was down: their TAPs and records go now; the
        // others are reattached by the first pass below.
        await _reconciler.DropStaleWiresAsync(_cache.Items, IsLocalAndAlive, stoppingToken);
        foreach (var pod in _cache.Items.Values.Where(IsLocalAndAlive))
        {
            Queue.Enqueue(pod.Key);
        }

        var resync = _options.ResyncInterval > TimeSpan.Zero
            ? _requeuer.ResyncAsync(_options.ResyncInterval, () => _cache.Items.Values.Where(IsLocalAndAlive).Select(t => t.Key).ToList(), stoppingToken)
            : Task.CompletedTask;

        while (!stoppingToken.IsCancellationRequested)
        {
            WorkQueue.Batch batch;
            try
            {
                batch = await Queue.TakeAllAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            try
            {
                batch.Complete(await ProcessAsync(batch.Keys, stoppingToken));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogPassFailed(_logger, batch.Keys.Count, e);
                _requeuer.Failed(batch.Keys);
                batch.Fail(e);
            }
        }

        _monitor.Dispose();
        _requeuer.Dispose();
        await resync.ContinueWith(_ => { }, TaskScheduler.Default); // ends with the cancellation
    }

    /// <returns>The Topologies whose status the pass stored (or found already right).</returns>
    private async Task<IReadOnlyList<Topology>> ProcessAsync(IReadOnlyCollection<PodKey> keys, CancellationToken ct)
    {
        foreach (var key in keys)
        {
            if (RemoveDeletedPod(key) is { } gone)
            {
                await _reconciler.ReleaseUnusedVnisAsync(gone, _cache.Items, ct);
            }
        }

        // Pods no longer alive here (deleted, DEL'd, moved away) give their wire ends up: detached, TAP, record, id.
        await _reconciler.DropWiresOfAsync([.. keys.Where(k => _cache.Get(k) is not { } t || !IsLocalAndAlive(t))], ct);

        IReadOnlyList<Topology> stored = [];
        var pods = keys.Select(_cache.Get).OfType<Topology>().Where(IsLocalAndAlive).ToList();
        if (pods.Count > 0)
        {
            var result = await _reconciler.ReconcileAsync(pods, _cache.Items, IsLocal, ct);
            stored = result.Stored;
            foreach (var written in stored)
            {
                // The next write (this worker's next pass, an ADD's registration) then starts from this version, not
                // from the one before it that the watch has not replaced yet (which would cost a 409 and a re-read).
                _cache.Observe(written);
            }

            LogPass(_logger, pods.Count, result.Plan.Links.Count, result.Converge.Created, result.Converge.Repaired, result.Failed, result.Plan.Pending.Count);
            await ReportFailuresAsync(result, ct);
            var failed = result.Converge.Failures.SelectMany(f => f.Link.LocalEnds).Select(end => end.Pod).ToHashSet();
            _requeuer.Failed(failed);
            foreach (var pod in pods.Where(p => !failed.Contains(p.Key)))
            {
                _requeuer.Succeeded(pod.Key);
            }
        }

        foreach (var key in keys)
        {
            if (_cache.Get(key) is { } t && IsLocalAndAlive(t))
            {
                _monitor.Watch(t);
            }
            else
            {
                _monitor.Forget(key);
            }
        }

        return stored;
    }

    /// <summary>Plumbing failures become log lines and, on Kubernetes, Warning events on the pod's Topology.</summary>
    private async Task ReportFailuresAsync(ReconcileResult result, CancellationToken ct)
    {
        foreach (var failure in result.Converge.Failures)
        {
            foreach (var end in failure.Link.LocalEnds)
            {
                LogLinkFailed(_logger, end.Pod.ToString(), failure.Link.Uid, end.Intf, failure.Error ?? "");
                if (_store is Store.Kubernetes.KubernetesTopologyStore k8s)
                {
                    await k8s.RecordEventAsync(end.Pod, "PlumbingFailed", $"link uid {failure.Link.Uid} ({end.Intf}): {failure.Error}", warning: true, ct);
                }
            }
        }
    }

    /// <summary>A Topology deleted while its pod ran here: its interfaces go (their peers' ends go with them).</summary>
    private Topology? RemoveDeletedPod(PodKey key)
    {
        Topology? gone;
        lock (_tombstoneGate)
        {
            if (_cache.Get(key) is not null || !_tombstones.Remove(key, out gone))
            {
                return null;
            }
        }

        var intfs = gone.Status.Links.Select(l => l.Intf).OfType<string>().Concat(gone.Spec.Links.Select(l => l.LocalIntf));
        _engine.RemoveInterfaces(gone.Status.NetNs!, intfs);
        return gone;
    }

    private void OnChanged(Topology? before, Topology? after)
    {
        var key = (after ?? before)!.Key;
        if (after is null && before is not null && IsLocalAndAlive(before))
        {
            lock (_tombstoneGate)
            {
                _tombstones[key] = before;
            }
        }

        if (!MattersForLinks(before, after))
        {
            return;
        }

        // The pod itself, every pod that names it as a peer, and every pod it names: all may gain or lose links.
        var affected = new HashSet<PodKey> { key };
        affected.UnionWith(_cache.LinkedFrom(key));
        foreach (var t in new[] { before, after }.OfType<Topology>())
        {
            affected.UnionWith(t.Spec.Links.Where(l => !l.IsMacvlan).Select(l => new PodKey(t.Namespace, l.PeerPod)));
        }

        foreach (var k in affected)
        {
            if (k == key || _cache.Get(k) is { } t && IsLocalAndAlive(t))
            {
                Queue.Enqueue(k);
            }
        }
    }

    /// <summary>Spec or liveness changed; status written by reconciles (links, errors) alone needs no new pass.</summary>
    private static bool MattersForLinks(Topology? before, Topology? after) =>
        before is null || after is null
        || before.Generation != after.Generation
        || !before.Spec.Links.SequenceEqual(after.Spec.Links)
        || before.Status.NetNs != after.Status.NetNs
        || before.Status.ContainerId != after.Status.ContainerId
        || before.Status.NodeName != after.Status.NodeName
        || before.Status.SrcIp != after.Status.SrcIp;

    public override void Dispose()
    {
        _cache.Changed -= OnChanged;
        _monitor.Dispose();
        _requeuer.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Reconciled {Pods} pods: {Links} links ({Created} created, {Repaired} repaired, {Failed} failed), {Pending} pending")]
    private static partial void LogPass(ILogger logger, int pods, int links, int created, int repaired, int failed, int pending);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning, Message = "Link {Pod} uid {Uid} ({Intf}) failed: {Error}")]
    private static partial void LogLinkFailed(ILogger logger, string pod, int uid, string intf, string error);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "Reconcile pass over {Pods} pods failed")]
    private static partial void LogPassFailed(ILogger logger, int pods, Exception error);
}
