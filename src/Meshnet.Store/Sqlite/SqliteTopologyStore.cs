using System.Globalization;
using System.Runtime.CompilerServices;
using Meshnet.Model;
using Microsoft.Data.Sqlite;

namespace Meshnet.Store.Sqlite;

/// <summary>
/// The embedded store: one SQLite file that several processes on a machine may open at once (a daemon per
/// emulated node and the CLI). Every write takes the next store revision, which becomes the object's
/// ResourceVersion and the key of its changelog entry; watchers replay the changelog and then wait for writes,
/// signalled in-process and, across processes, by inotify on the database files.
/// SQLite calls are synchronous; they take microseconds unless another process holds the write lock.
/// </summary>
public sealed class SqliteTopologyStore : ITopologyStore
{
    private const int WatchBatch = 500;

    private readonly SqliteDatabase _db;
    private readonly SqliteStoreOptions _options;
    private readonly ChangeSignal _signal;
    private readonly CancellationTokenSource _disposed = new();

    private SqliteTopologyStore(SqliteDatabase db, SqliteStoreOptions options)
    {
        _db = db;
        _options = options;
        _signal = new ChangeSignal(db.Path);
        KeyValues = new SqliteKeyValueStore(db);
    }

    /// <summary>The key-value area in the same database.</summary>
    public IKeyValueStore KeyValues { get; }

    /// <summary>The gRPC wires each node terminates, as rows of the key-value table (see <see cref="KeyValueWireStore"/>).</summary>
    public IWireStore Wires => field ??= new KeyValueWireStore(KeyValues);

    /// <summary>The schema version this build creates and expects (<c>PRAGMA user_version</c>).</summary>
    public static int SchemaVersion => SqliteSchema.Version;

    /// <summary>Opens (creating and migrating as needed) the store at <paramref name="path"/> with default options.</summary>
    public static Task<SqliteTopologyStore> OpenAsync(string path, CancellationToken ct) => OpenAsync(path, null, ct);

    /// <summary>Opens (creating and migrating as needed) the store at <paramref name="path"/>.</summary>
    public static Task<SqliteTopologyStore> OpenAsync(string path, SqliteStoreOptions? options = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ct.ThrowIfCancellationRequested();
        options ??= new SqliteStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ChangelogRetention, 1);
        var db = new SqliteDatabase(path, options);
        try
        {
            db.Initialize();
        }
        catch (SqliteException e)
        {
            throw new StoreException($"{path}: cannot open the store: {e.Message}", e);
        }

        return Task.FromResult(new SqliteTopologyStore(db, options));
    }

    public Task<Topology?> GetAsync(PodKey key, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(_db.Read((c, tx) => TopologyRows.Find(c, tx, key)?.ToTopology()));
    }

    public Task<TopologyList> ListAsync(string? @namespace = null, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(_db.Read((c, tx) => new TopologyList(
            TopologyRows.List(c, tx, @namespace).Select(r => r.ToTopology()).ToList(),
            SqliteDatabase.Meta(c, tx, "revision"))));
    }

    /// <summary>
    /// As <see cref="ITopologyStore.ApplyAsync"/>. When <paramref name="topology"/> carries a ResourceVersion and
    /// the object exists, that version must be current (an optimistic replace); the input's status is ignored.
    /// </summary>
    public Task<Topology> ApplyAsync(Topology topology, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentException.ThrowIfNullOrEmpty(topology.Namespace);
        ArgumentException.ThrowIfNullOrEmpty(topology.Name);
        var spec = TopologyJson.SerializeSpec(topology.Spec);
        var labels = TopologyJson.SerializeLabels(topology.Labels);
        return Task.FromResult(Write((c, tx) =>
        {
            var old = TopologyRows.Find(c, tx, topology.Key);
            CheckVersion(topology, old);
            if (old is not null && old.Spec == spec && old.Labels == labels)
            {
                return (old.ToTopology(), false);
            }

            var revision = SqliteDatabase.NextRevision(c, tx);
            var row = new TopologyRows.Row(topology.Namespace, topology.Name, labels, spec,
                old?.Status ?? TopologyJson.SerializeStatus(new TopologyStatus()), revision, (old?.Generation ?? 0) + 1);
            return (Save(c, tx, row, old is null ? TopologyEventType.Added : TopologyEventType.Modified), true);
        }, ct));
    }

    public Task<Topology> UpdateStatusAsync(Topology topology, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var status = TopologyJson.SerializeStatus(topology.Status);
        return Task.FromResult(Write((c, tx) =>
        {
            var old = TopologyRows.Find(c, tx, topology.Key)
                ?? throw new NotFoundException($"topology {topology.Key} not found");
            CheckVersion(topology, old);
            if (old.Status == status)
            {
                return (old.ToTopology(), false);
            }

            var row = old with { Status = status, ResourceVersion = SqliteDatabase.NextRevision(c, tx) };
            return (Save(c, tx, row, TopologyEventType.Modified), true);
        }, ct));
    }

    public Task<bool> DeleteAsync(PodKey key, CancellationToken ct = default) =>
        Task.FromResult(Write((c, tx) =>
        {
            var old = TopologyRows.Find(c, tx, key);
            if (old is null)
            {
                return (false, false);
            }

            var revision = SqliteDatabase.NextRevision(c, tx);
            TopologyRows.Delete(c, tx, key);
            TopologyRows.AppendEvent(c, tx, TopologyEventType.Deleted, old.ToTopology(), revision, _options.ChangelogRetention);
            return (true, true);
        }, ct));

    public async IAsyncEnumerable<TopologyEvent> WatchAsync(
        string? @namespace, long fromRevision, [EnumeratorCancellation] CancellationToken ct)
    {
        _signal.WatchOtherProcesses();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, _disposed.Token);
        var last = fromRevision;
        while (true)
        {
            var changed = _signal.Next;
            var (events, seen) = _db.Read((c, tx) =>
            {
                var compacted = SqliteDatabase.Meta(c, tx, "compacted");
                if (last < compacted)
                {
                    throw new ExpiredException(
                        $"revision {last} is older than the oldest kept change ({compacted + 1}); list again and watch from the list's revision");
                }

                return (TopologyRows.EventsAfter(c, tx, @namespace, last, WatchBatch), SqliteDatabase.Meta(c, tx, "revision"));
            });

            foreach (var e in events)
            {
                yield return e;
                last = e.Revision;
            }

            if (events.Count == WatchBatch)
            {
                continue;
            }

            // Caught up: writes to other namespaces (or the key-value area) need not be scanned again.
            last = Math.Max(last, seen);
            try
            {
                await changed.WaitAsync(_options.WatchRecheckInterval, _options.TimeProvider, stop.Token).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The safety re-check.
            }
            catch (OperationCanceledException) when (_disposed.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                yield break;
            }
        }
    }

    /// <summary>Forgets the changelog up to <paramref name="revision"/>: watches from before it then expire.</summary>
    public Task CompactAsync(long revision, CancellationToken ct = default)
    {
        Write((c, tx) =>
        {
            TopologyRows.Compact(c, tx, revision);
            return (0, false);
        }, ct);
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed.IsCancellationRequested)
        {
            _disposed.Cancel();
            _signal.Dispose();
            _db.ClearPool();
            // _disposed is cancelled but not disposed: watchers still test it while they wind down.
        }

        return ValueTask.CompletedTask;
    }

    private static void CheckVersion(Topology topology, TopologyRows.Row? current)
    {
        if (topology.ResourceVersion is { } wanted && current is not null
            && wanted != current.ResourceVersion.ToString(CultureInfo.InvariantCulture))
        {
            throw new ConflictException(
                $"topology {topology.Key} was modified: resourceVersion {wanted} is stale, current is {current.ResourceVersion}");
        }
    }

    private Topology Save(SqliteConnection c, SqliteTransaction tx, TopologyRows.Row row, TopologyEventType type)
    {
        var now = _options.TimeProvider.GetUtcNow().ToString("O", CultureInfo.InvariantCulture);
        TopologyRows.Upsert(c, tx, row, now);
        var stored = row.ToTopology();
        TopologyRows.AppendEvent(c, tx, type, stored, row.ResourceVersion, _options.ChangelogRetention);
        return stored;
    }

    /// <summary>A write transaction; watchers in this process are woken when it changed something.</summary>
    private T Write<T>(Func<SqliteConnection, SqliteTransaction, (T Result, bool Changed)> work, CancellationToken ct)
    {
        ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
        var (result, changed) = _db.Write(work, ct);
        if (changed)
        {
            _signal.Pulse();
        }

        return result;
    }
}
