using System.Collections.Concurrent;
using System.Globalization;
using Meshnet.Store;

namespace Meshnet.Engine;

/// <summary>
/// The gRPC wire ends this node terminates: the id it assigned to each (allocated in the store's key-value area, as
/// VNIs are, so it is stable across restarts) and the record of each end (<see cref="IWireStore"/>: GWireKObj on
/// Kubernetes, SQLite rows in labs). Only this node's daemon allocates its ids and writes its records, and it loads
/// all of them first, so the next id is simply past the highest known: one create-only write per link
/// (<c>wire/id/NODE/NS/UID</c>), which also makes a half-finished earlier attempt harmless (its id is kept).
/// Kept in memory after <see cref="LoadAsync"/>; writes go through to the store.
/// </summary>
public sealed class WireBook(IKeyValueStore kv, IWireStore store, string nodeName)
{
    private const string IdPrefix = "wire/id/";

    private readonly ConcurrentDictionary<WireKey, long> _ids = new();
    private readonly ConcurrentDictionary<WireKey, WireRecord> _records = new();
    private long _lastId;

    public string NodeName => nodeName;

    /// <summary>Every wire recorded for this node.</summary>
    public ICollection<WireRecord> Records => _records.Values;

    /// <summary>The id of this node's end of the link, when assigned; never blocks.</summary>
    public long? IdOf(string @namespace, int uid) => _ids.TryGetValue(new WireKey(@namespace, uid), out var id) ? id : null;

    public WireRecord? RecordOf(WireKey key) => _records.GetValueOrDefault(key);

    /// <summary>Loads this node's ids and records (once, at start).</summary>
    public async Task LoadAsync(CancellationToken ct = default)
    {
        foreach (var e in await kv.ListAsync(IdPrefix + nodeName + "/", ct))
        {
            if (ParseIdKey(e.Key) is { } key && long.TryParse(e.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
            {
                _ids[key] = id;
                Bump(id);
            }
        }

        foreach (var r in await store.ListAsync(nodeName, ct))
        {
            _records[r.Key] = r;
            Bump(r.LocalId);
        }
    }

    /// <summary>The link's id on this node, assigning the next free one if it has none.</summary>
    public async Task<long> AllocateAsync(string @namespace, int uid, CancellationToken ct = default)
    {
        var key = new WireKey(@namespace, uid);
        if (_ids.TryGetValue(key, out var known))
        {
            return known;
        }

        var candidate = Interlocked.Increment(ref _lastId);
        try
        {
            await kv.PutAsync(IdKey(key), candidate.ToString(CultureInfo.InvariantCulture), ifRevision: 0, ct);
            return _ids[key] = candidate;
        }
        catch (ConflictException)
        {
            // Assigned by an earlier attempt this process had not loaded: keep that id.
            var existing = await kv.GetAsync(IdKey(key), ct) ?? throw new StoreException($"wire id of {key} on {nodeName} vanished while allocating");
            var id = long.Parse(existing.Value, NumberStyles.None, CultureInfo.InvariantCulture);
            Bump(id);
            return _ids[key] = id;
        }
    }

    /// <summary>Writes the records that differ from what is stored (one store call for all of them).</summary>
    public async Task<int> RecordAsync(IEnumerable<WireRecord> records, CancellationToken ct = default)
    {
        var changed = records.Where(r => !r.Equals(_records.GetValueOrDefault(r.Key))).ToList();
        if (changed.Count > 0)
        {
            await store.PutAsync(changed, ct);
            foreach (var r in changed)
            {
                _records[r.Key] = r;
            }
        }

        return changed.Count;
    }

    /// <summary>Deletes the records of these links and gives their ids back. Unknown links are fine.</summary>
    public async Task ForgetAsync(IReadOnlyCollection<WireKey> keys, CancellationToken ct = default)
    {
        if (keys.Count == 0)
        {
            return;
        }

        await store.DeleteAsync(nodeName, keys, ct);
        foreach (var key in keys)
        {
            _records.TryRemove(key, out _);
            await kv.DeleteAsync(IdKey(key), ct: ct);
            _ids.TryRemove(key, out _);
        }
    }

    /// <summary>Forgets every wire of this node (its records and ids), e.g. when an emulated node is removed.</summary>
    public Task ForgetAllAsync(CancellationToken ct = default) => ForgetAsync([.. _ids.Keys.Union(_records.Keys)], ct);

    private void Bump(long id)
    {
        long seen;
        while (id > (seen = Interlocked.Read(ref _lastId)) && Interlocked.CompareExchange(ref _lastId, id, seen) != seen)
        {
        }
    }

    private string IdKey(WireKey key) => $"{IdPrefix}{nodeName}/{key.Namespace}/{key.Uid.ToString(CultureInfo.InvariantCulture)}";

    private WireKey? ParseIdKey(string key)
    {
        var rest = key[(IdPrefix.Length + nodeName.Length + 1)..];
        var slash = rest.LastIndexOf('/');
        return slash > 0 && int.TryParse(rest[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            ? new WireKey(rest[..slash], uid)
            : null;
    }
}
