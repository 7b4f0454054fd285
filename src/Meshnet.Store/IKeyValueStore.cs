namespace Meshnet.Store;

/// <summary>
/// Small per-store state beside the topologies (VNI allocations, wire state), with the same optimistic
/// concurrency: every write returns the entry's new revision, and a write may require the revision it last read.
/// </summary>
public interface IKeyValueStore
{
    /// <summary>The entry, or null when the key does not exist.</summary>
    Task<KeyValueEntry?> GetAsync(string key, CancellationToken ct = default);

    /// <summary>
    /// Writes the value. <paramref name="ifRevision"/>: null writes unconditionally, 0 only creates (the key must not
    /// exist), any other value must be the entry's current revision; otherwise <see cref="ConflictException"/>.
    /// </summary>
    Task<KeyValueEntry> PutAsync(string key, string value, long? ifRevision = null, CancellationToken ct = default);

    /// <summary>Deletes the key; false when it did not exist. A given <paramref name="ifRevision"/> must be current.</summary>
    Task<bool> DeleteAsync(string key, long? ifRevision = null, CancellationToken ct = default);

    /// <summary>All entries whose key starts with <paramref name="prefix"/>, ordered by key (ordinal).</summary>
    Task<IReadOnlyList<KeyValueEntry>> ListAsync(string prefix, CancellationToken ct = default);
}

/// <summary>A stored value and the store revision of its last write.</summary>
public sealed record KeyValueEntry(string Key, string Value, long Revision)
{
    /// <summary>
    /// The write precondition every <see cref="IKeyValueStore"/> applies: throws <see cref="ConflictException"/>
    /// unless <paramref name="ifRevision"/> (null: none, 0: must not exist) matches <paramref name="current"/>.
    /// </summary>
    public static void CheckRevision(string key, long? ifRevision, KeyValueEntry? current)
    {
        switch (ifRevision)
        {
            case null:
                return;
            case 0 when current is not null:
                throw new ConflictException($"key {key} already exists (revision {current.Revision})");
            case not 0 when current is null:
                throw new ConflictException($"key {key} does not exist, expected revision {ifRevision}");
            case not 0 when current!.Revision != ifRevision:
                throw new ConflictException($"key {key} was modified: revision {ifRevision} is stale, current is {current.Revision}");
        }
    }
}
