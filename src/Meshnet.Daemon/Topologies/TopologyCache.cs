using System.Collections.Concurrent;
using System.Globalization;
using Meshnet.Model;
using Meshnet.Store;

namespace Meshnet.Daemon.Topologies;

/// <summary>
/// The daemon's informer: lists every Topology once, then follows the store's watch from that revision (relisting
/// when the watch expires or breaks), keeping an in-memory copy and an index of who links to whom, so a pod event
/// touches only that pod and its peers. Objects the daemon writes are taken as soon as the write returns
/// (<see cref="Observe"/>), so the cache is the freshest copy the daemon has and status writes start from it.
/// Subscribers hear the changes in order, each version at most once; only a relist can take a copy back to an older
/// version (the list's).
/// </summary>
internal sealed partial class TopologyCache(ITopologyStore store, ILogger<TopologyCache> logger, TimeProvider time)
{
    private readonly ConcurrentDictionary<PodKey, Topology> _items = new();
    private readonly Dictionary<PodKey, HashSet<PodKey>> _linkedFrom = [];
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Called after each change with the object before (null when added) and after (null when deleted).</summary>
    public event Action<Topology?, Topology?>? Changed;

    /// <summary>Every known Topology; a live view, safe to read while the cache updates.</summary>
    public IReadOnlyDictionary<PodKey, Topology> Items => _items;

    public Task Synced => _synced.Task;

    public bool IsSynced => _synced.Task.IsCompleted;

    public Topology? Get(PodKey key) => _items.GetValueOrDefault(key);

    /// <summary>Pods whose spec names <paramref name="key"/> as a peer.</summary>
    public IReadOnlyList<PodKey> LinkedFrom(PodKey key)
    {
        lock (_gate)
        {
            return _linkedFrom.TryGetValue(key, out var set) ? [.. set] : [];
        }
    }

    /// <summary>
    /// Takes an object this daemon just wrote, without waiting for the watch to bring it back, unless the cache already
    /// holds a newer version.
    /// </summary>
    public void Observe(Topology written) => Apply(written.Key, written, onlyIfNewer: true);

    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var list = await store.ListAsync(null, ct);
                Relist(list.Items);
                _synced.TrySetResult();
                LogListed(logger, list.Items.Count, list.Revision);
                backoff = TimeSpan.FromMilliseconds(200);
                await foreach (var ev in store.WatchAsync(null, list.Revision, ct))
                {
                    // The watch trails the daemon's own writes: an event older than a version taken from a write
                    // would move the copy back (and the next status write would start from a stale version). A
                    // deletion always applies (its object may carry the last stored version).
                    var deleted = ev.Type == TopologyEventType.Deleted;
                    Apply(ev.Object.Key, deleted ? null : ev.Object, onlyIfNewer: !deleted);
                }
            }
            catch (ExpiredException)
            {
                LogExpired(logger);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is StoreException or IOException or HttpRequestException)
            {
                LogWatchFailed(logger, e.Message, backoff.TotalMilliseconds);
                await Task.Delay(backoff, time, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }

    /// <summary>A list is the truth as of its revision: it replaces every copy (also after a store restore whose versions went back).</summary>
    private void Relist(IReadOnlyList<Topology> items)
    {
        var seen = new HashSet<PodKey>();
        foreach (var t in items)
        {
            seen.Add(t.Key);
            Apply(t.Key, t, onlyIfNewer: false);
        }

        foreach (var gone in _items.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            Apply(gone, null, onlyIfNewer: false);
        }
    }

    private void Apply(PodKey key, Topology? next, bool onlyIfNewer)
    {
        Topology? before;
        lock (_gate)
        {
            _items.TryGetValue(key, out before);
            if (before is not null && next is not null && SameVersion(before, next))
            {
                return;
            }

            if (onlyIfNewer && before is not null && next is not null && !IsNewer(next, before))
            {
                return;
            }

            Unindex(before);
            if (next is null)
            {
                _items.TryRemove(key, out _);
            }
            else
            {
                _items[key] = next;
                Index(next);
            }
        }

        try
        {
            Changed?.Invoke(before, next);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // One object a subscriber cannot handle must not stop the informer (and with it the whole node).
            LogSubscriberFailed(logger, key.ToString(), e);
        }
    }

    private void Index(Topology t)
    {
        foreach (var peer in t.Spec.Links.Where(l => !l.IsMacvlan).Select(l => new PodKey(t.Namespace, l.PeerPod)))
        {
            if (!_linkedFrom.TryGetValue(peer, out var set))
            {
                _linkedFrom[peer] = set = [];
            }

            set.Add(t.Key);
        }
    }

    private void Unindex(Topology? t)
    {
        if (t is null)
        {
            return;
        }

        foreach (var peer in t.Spec.Links.Select(l => new PodKey(t.Namespace, l.PeerPod)))
        {
            if (_linkedFrom.TryGetValue(peer, out var set) && set.Remove(t.Key) && set.Count == 0)
            {
                _linkedFrom.Remove(peer);
            }
        }
    }

    private static bool SameVersion(Topology a, Topology b) =>
        a.ResourceVersion is not null && a.ResourceVersion == b.ResourceVersion;

    /// <summary>Resource versions are opaque, but both stores hand out increasing numbers; anything else counts as newer.</summary>
    private static bool IsNewer(Topology candidate, Topology current) =>
        !long.TryParse(candidate.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var c)
        || !long.TryParse(current.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var k)
        || c > k;

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Listed {Count} topologies at revision {Revision}; watching")]
    private static partial void LogListed(ILogger logger, int count, long revision);

    [LoggerMessage(EventId = 103, Level = LogLevel.Error, Message = "Handling a change of {Pod} failed")]
    private static partial void LogSubscriberFailed(ILogger logger, string pod, Exception error);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Watch revision expired; relisting")]
    private static partial void LogExpired(ILogger logger);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "Watch failed ({Error}); relisting in {DelayMs} ms")]
    private static partial void LogWatchFailed(ILogger logger, string error, double delayMs);
}
