using Meshnet.Model;

namespace Meshnet.Store.Tests;

/// <summary>
/// Passes every call on to another store and counts the reads of one object and the status writes (and how many of
/// those were refused as stale), so a test can tell how many requests a caller would make of an API server.
/// </summary>
internal sealed class CountingTopologyStore(ITopologyStore inner) : ITopologyStore
{
    private int _gets;
    private int _statusWrites;
    private int _conflicts;

    public int Gets => Volatile.Read(ref _gets);

    public int StatusWrites => Volatile.Read(ref _statusWrites);

    public int Conflicts => Volatile.Read(ref _conflicts);

    public Task<Topology?> GetAsync(PodKey key, CancellationToken ct = default)
    {
        Interlocked.Increment(ref _gets);
        return inner.GetAsync(key, ct);
    }

    public async Task<Topology> UpdateStatusAsync(Topology topology, CancellationToken ct = default)
    {
        Interlocked.Increment(ref _statusWrites);
        try
        {
            return await inner.UpdateStatusAsync(topology, ct);
        }
        catch (ConflictException)
        {
            Interlocked.Increment(ref _conflicts);
            throw;
        }
    }

    public Task<TopologyList> ListAsync(string? @namespace = null, CancellationToken ct = default) => inner.ListAsync(@namespace, ct);

    public Task<Topology> ApplyAsync(Topology topology, CancellationToken ct = default) => inner.ApplyAsync(topology, ct);

    public Task<bool> DeleteAsync(PodKey key, CancellationToken ct = default) => inner.DeleteAsync(key, ct);

    public IAsyncEnumerable<TopologyEvent> WatchAsync(string? @namespace, long fromRevision, CancellationToken ct) => inner.WatchAsync(@namespace, fromRevision, ct);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
