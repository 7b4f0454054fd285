using Meshnet.Model;
using Meshnet.Netlink;

namespace Meshnet.Daemon.Reconcile;

/// <summary>
/// Watches the kernel's link events in each local pod's namespace, so a link deleted or set down behind meshnet's
/// back is queued for repair at once (event-driven; there is no periodic scan).
/// </summary>
internal sealed partial class LinkMonitor(WorkQueue queue, ILogger logger) : IDisposable
{
    private readonly Dictionary<PodKey, Subscription> _subscriptions = [];

    /// <summary>Starts (or keeps) watching the pod's namespace for its declared interfaces.</summary>
    public void Watch(Topology pod)
    {
        var path = pod.Status.NetNs!;
        var names = pod.Spec.Links.Select(l => l.LocalIntf).ToHashSet(StringComparer.Ordinal);
        if (_subscriptions.TryGetValue(pod.Key, out var existing))
        {
            if (existing.Path == path && !existing.Ended)
            {
                existing.Names = names;
                return;
            }

            existing.Dispose();
            _subscriptions.Remove(pod.Key);
        }

        try
        {
            using var ns = NetNs.Open(path);
            var watcher = LinkWatcher.Open(ns);
            var sub = new Subscription(path, watcher) { Names = names };
            sub.Pump = PumpAsync(pod.Key, sub);
            _subscriptions[pod.Key] = sub;
        }
        catch (Exception e) when (e is NetlinkException or IOException)
        {
            LogWatchFailed(logger, pod.Key.ToString(), e.Message);
        }
    }

    public void Forget(PodKey key)
    {
        if (_subscriptions.Remove(key, out var sub))
        {
            sub.Dispose();
        }
    }

    private async Task PumpAsync(PodKey key, Subscription sub)
    {
        try
        {
            await foreach (var ev in sub.Watcher.ReadAllAsync())
            {
                var ours = sub.Names.Contains(ev.Link.Name);
                if (ours && (ev.Type == LinkEventType.DelLink || !ev.Link.IsUp))
                {
                    queue.Enqueue(key);
                }
            }
        }
        catch (NetlinkException)
        {
            // Events were dropped (overflow): we cannot know what changed, so look at the pod again (which resubscribes).
            sub.Ended = true;
            queue.Enqueue(key);
        }
    }

    public void Dispose()
    {
        foreach (var sub in _subscriptions.Values)
        {
            sub.Dispose();
        }

        _subscriptions.Clear();
    }

    private sealed class Subscription(string path, LinkWatcher watcher) : IDisposable
    {
        public string Path { get; } = path;

        public LinkWatcher Watcher { get; } = watcher;

        public volatile HashSet<string> Names = [];

        public Task? Pump { get; set; }

        public volatile bool Ended;

        public void Dispose() => Watcher.Dispose();
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Warning, Message = "Cannot watch links of {Pod}: {Error}")]
    private static partial void LogWatchFailed(ILogger logger, string pod, string error);
}
