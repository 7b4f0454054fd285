using Meshnet.Daemon.Reconcile;
using Meshnet.Daemon.Topologies;
using Meshnet.Model;
using Meshnet.Protocol;

namespace Meshnet.Daemon.Cni;

/// <summary>
/// Pods the plugin let through while this daemon was down (no Topology was known for them then) wait in the spool.
/// When a Topology for one exists — at start, or when it is created later — the pod is registered as if its ADD had
/// reached us, and its links are plumbed. Spool entries whose namespace is gone are dropped. DELs that found the daemon
/// down are completed first, at start.
/// </summary>
internal sealed partial class PendingPodAdopter(
    TopologyCache cache, CniBackendService backend, NodeReconciler reconciler, DaemonOptions options, TimeProvider time,
    ILogger<PendingPodAdopter> logger)
    : BackgroundService
{
    private readonly PendingPodSpool _spool = new(options.StateDir);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await cache.Synced.WaitAsync(stoppingToken);
        var added = System.Threading.Channels.Channel.CreateUnbounded<PodKey>();
        cache.Changed += (before, after) =>
        {
            if (before is null && after is not null)
            {
                added.Writer.TryWrite(after.Key);
            }
        };

        var deleting = CompleteDeletionsAsync(stoppingToken);
        await AdoptAsync(null, stoppingToken);
        await foreach (var key in added.Reader.ReadAllAsync(stoppingToken))
        {
            await AdoptAsync(key, stoppingToken);
        }

        await deleting;
    }

    /// <summary>
    /// DELs the plugin answered while we were down: each releases its pod unless a newer sandbox runs it. One the store
    /// cannot take now (the API server unavailable) stays spooled and is tried again, 1 s doubling to 1 min, rather
    /// than stopping the daemon.
    /// </summary>
    private async Task CompleteDeletionsAsync(CancellationToken ct)
    {
        var deletions = PendingPodSpool.ForDeletions(options.StateDir);
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            var left = 0;
            foreach (var del in deletions.ReadAll())
            {
                var key = new PodKey(del.Namespace, del.Name);
                try
                {
                    LogDeletionCompleted(logger, key.ToString(), del.ContainerId);
                    await backend.DeleteAsync(key, del.ContainerId, del.Netns, ct);
                    deletions.Remove(del.ContainerId);
                }
                catch (Exception e) when (e is Store.StoreException or IOException or HttpRequestException)
                {
                    left++;
                    LogDeletionFailed(logger, key.ToString(), del.ContainerId, e.Message);
                }
            }

            if (left == 0)
            {
                return;
            }

            await Task.Delay(delay, time, ct);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMinutes(1).Ticks));
        }
    }

    private async Task AdoptAsync(PodKey? only, CancellationToken ct)
    {
        if (!Directory.Exists(_spool.Directory))
        {
            return;
        }

        foreach (var pod in _spool.ReadAll())
        {
            var key = new PodKey(pod.Namespace, pod.Name);
            if (only is { } k && k != key)
            {
                continue;
            }

            if (!File.Exists(pod.Netns))
            {
                _spool.Remove(pod.ContainerId);
                continue;
            }

            if (cache.Get(key) is not { } known)
            {
                continue;
            }

            LogAdopted(logger, key.ToString(), pod.ContainerId);
            if (await backend.RegisterAsync(known, pod.Netns, pod.ContainerId, ct) is not null)
            {
                reconciler.Queue.Enqueue(key);
            }

            _spool.Remove(pod.ContainerId);
        }
    }

    [LoggerMessage(EventId = 311, Level = LogLevel.Information, Message = "Completing DEL of {Pod} (container {ContainerId}) made while the daemon was down")]
    private static partial void LogDeletionCompleted(ILogger logger, string pod, string containerId);

    [LoggerMessage(EventId = 312, Level = LogLevel.Warning, Message = "Completing DEL of {Pod} (container {ContainerId}) failed, will retry: {Error}")]
    private static partial void LogDeletionFailed(ILogger logger, string pod, string containerId, string error);

    [LoggerMessage(EventId = 310, Level = LogLevel.Information, Message = "Adopting {Pod} (container {ContainerId}) started while the daemon was down")]
    private static partial void LogAdopted(ILogger logger, string pod, string containerId);
}
