using System.Collections.Concurrent;
using System.Globalization;
using Meshnet.Store;

namespace Meshnet.Engine;

/// <summary>
/// The gRPC wire ends this node terminates: the id it assigned to each (allocated in the store's key-value area, as
/// VNIs are, so it is stable across restarts) and the record of each end (<see cref="IWireStore"/>: GWireKObj on
/// Kubernetes, SQLite rows in labs). Only this node's daemon allocates its ids and writes its records, so there is no
/// race to win across nodes; create-only writes still make a half-finished earlier attempt harmless.
/// Kept in memory after <see cref="LoadAsync"/>; writes go through to the store.
/// </summary>
public sealed class WireBook(IKeyValueStore kv, IWireStore store, string nodeName)
{
    private const string IdPrefix = "wire/id/";
    private const string UsedPrefix = "wire/used/";

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

        var owner = $"{@namespace}/{uid.ToString(CultureInfo.InvariantCulture)}";
        for (var probes = 0; probes < 10_000; probes++)
        {
            var candidate = Interlocked.Increment(ref _lastId);
            var usedKey = $"{UsedPrefix}{nodeName}/{candidate.ToString(CultureInfo.InvariantCulture)}";
            try
            {
                await kv.PutAsync(usedKey, owner, ifRevision: 0, ct);
            }
            catch (ConflictException)
            {
                if ((await kv.GetAsync(usedKey, ct))?.Value != owner)
                {
                    continue; // taken (by an allocation this process had not loaded)
                }
            }

            try
            {
                await kv.PutAsync(IdKey(key), candidate.ToString(CultureInfo.InvariantCulture), ifRevision: 0, ct);
                return _ids[key] = candidate;
            }
            catch (ConflictException)
            {
                // Assigned by an interrupted earlier attempt: keep that id, give the new one back.
                var existing = await kv.GetAsync(IdKey(key), ct) ?? throw new StoreException($"wire id of {owner} on {nodeName} vanished while allocating");
                await kv.DeleteAsync(usedKey, ct: ct);
                return _ids[key] = long.Parse(existing.Value, NumberStyles.None, CultureInfo.InvariantCulture);
            }
        }

        throw new StoreException($"no free wire id for {owner} on node {nodeName}");
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
            if (await kv.GetAsync(IdKey(key), ct) is { } entry)
            {
                await kv.DeleteAsync($"{UsedPrefix}{nodeName}/{entry.Value}", ct: ct);
                await kv.DeleteAsync(entry.Key, ct: ct);
            }

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
