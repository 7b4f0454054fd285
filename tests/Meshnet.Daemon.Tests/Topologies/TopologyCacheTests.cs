using System.Runtime.CompilerServices;
using Meshnet.Daemon.Topologies;
using Meshnet.Model;
using Meshnet.Store;
using Meshnet.Store.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Meshnet.Daemon.Tests.Topologies;

/// <summary>
/// The daemon's status writes start from the cache, so the watch, which trails the daemon's own writes, must never
/// take a copy back to an older version than one the daemon observed from its write. The watch here is held back
/// until the test lets it go, so "the write returns before the watch brings it" happens every time.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit calls IAsyncLifetime.DisposeAsync, which disposes them.")]
public sealed class TopologyCacheTests : IAsyncLifetime
{
    private static readonly PodKey Key = new("lab", "r1");

    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-cache-").FullName;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string? Before, string? After)> _changes = [];
    private SqliteTopologyStore _store = null!;
    private HeldBackWatchStore _watched = null!;
    private TopologyCache _cache = null!;
    private Task _running = Task.CompletedTask;

    public async Task InitializeAsync()
    {
        _store = await SqliteTopologyStore.OpenAsync(Path.Combine(_dir, "store.db"));
        _watched = new HeldBackWatchStore(_store);
        _cache = new TopologyCache(_watched, NullLogger<TopologyCache>.Instance, TimeProvider.System);
        _cache.Changed += (before, after) =>
        {
            lock (_changes)
            {
                _changes.Add((before?.ResourceVersion, after?.ResourceVersion));
            }
        };
        _running = _cache.RunAsync(_stop.Token);
        await _cache.Synced.WaitAsync(TimeSpan.FromSeconds(10));
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        _stop.Dispose();
        await _watched.DisposeAsync();
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task Watch_EventsOlderThanAnObservedWrite_DoNotTakeTheCopyBack()
    {
        var created = await _store.ApplyAsync(Topology());
        var written = await _store.UpdateStatusAsync(created with { Status = created.Status with { NetNs = "/var/run/netns/r1" } });
        _cache.Observe(written);

        _watched.Release();
        await WaitUntilAsync(() => _watched.Delivered == 2, "the watch brought the create and the status write");

        Assert.Equal(written, _cache.Get(Key));
        Assert.Equal([(null, written.ResourceVersion)], Changes());
    }

    [Fact]
    public async Task Watch_DeletionAfterAnObservedWrite_RemovesTheCopy()
    {
        var created = await _store.ApplyAsync(Topology());
        var written = await _store.UpdateStatusAsync(created with { Status = created.Status with { NetNs = "/var/run/netns/r1" } });
        _cache.Observe(written);
        await _store.DeleteAsync(Key);

        _watched.Release();
        await WaitUntilAsync(() => _watched.Delivered == 3, "the watch brought the deletion");

        Assert.Null(_cache.Get(Key));
        Assert.Equal([(null, written.ResourceVersion), (written.ResourceVersion, null)], Changes());
    }

    private List<(string?, string?)> Changes()
    {
        lock (_changes)
        {
            return [.. _changes];
        }
    }

    private static Topology Topology() => new()
    {
        Namespace = Key.Namespace,
        Name = Key.Name,
        Spec = new TopologySpec { Links = [new Link { Uid = 0, PeerPod = "r2", LocalIntf = "eth1", PeerIntf = "eth1" }] },
    };

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Holds every watch event back until <see cref="Release"/>; counts the events the watcher has taken.</summary>
    private sealed class HeldBackWatchStore(ITopologyStore inner) : ITopologyStore
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _delivered;

        /// <summary>Events the consumer has finished with (it asked for the next one).</summary>
        public int Delivered => Volatile.Read(ref _delivered);

        public void Release() => _released.TrySetResult();

        public async IAsyncEnumerable<TopologyEvent> WatchAsync(string? @namespace, long fromRevision, [EnumeratorCancellation] CancellationToken ct)
        {
            await foreach (var e in inner.WatchAsync(@namespace, fromRevision, ct))
            {
                await _released.Task.WaitAsync(ct);
                yield return e;
                Interlocked.Increment(ref _delivered);
            }
        }

        public Task<Topology?> GetAsync(PodKey key, CancellationToken ct = default) => inner.GetAsync(key, ct);

        public Task<TopologyList> ListAsync(string? @namespace = null, CancellationToken ct = default) => inner.ListAsync(@namespace, ct);

        public Task<Topology> ApplyAsync(Topology topology, CancellationToken ct = default) => inner.ApplyAsync(topology, ct);

        public Task<Topology> UpdateStatusAsync(Topology topology, CancellationToken ct = default) => inner.UpdateStatusAsync(topology, ct);

        public Task<bool> DeleteAsync(PodKey key, CancellationToken ct = default) => inner.DeleteAsync(key, ct);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
