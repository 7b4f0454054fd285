using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Meshnet.Store.Sqlite;

/// <summary>
/// Connections and transactions on one database file shared by several processes (a daemon per emulated node
/// and the CLI). WAL lets readers run beside the single writer; writes take the lock up front with
/// <c>BEGIN IMMEDIATE</c>, so two writers queue on SQLite's busy handler instead of deadlocking on a lock upgrade.
/// </summary>
internal sealed class SqliteDatabase(string path, SqliteStoreOptions options)
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int WriteAttempts = 5;

    private readonly string _connectionString = new SqliteConnectionStringBuilder
    {
        DataSource = path,
        Mode = SqliteOpenMode.ReadWriteCreate,
        Pooling = true,
        DefaultTimeout = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds),
    }.ToString();

    public string Path { get; } = path;

    /// <summary>Creates the file if needed, switches it to WAL and migrates the schema.</summary>
    public void Initialize()
    {
        using var connection = Open();
        // journal_mode is persistent in the file; it cannot change inside a transaction.
        SqliteSchema.Execute(connection, null, "PRAGMA journal_mode = WAL");
        SqliteSchema.Migrate(connection);
    }

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        // Per connection: wait for other processes' locks, enforce foreign keys, and fsync only at checkpoints
        // (durable against process crashes; the last transactions may be lost on power loss, fine for this state).
        SqliteSchema.Execute(connection, null, string.Create(CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {(long)options.BusyTimeout.TotalMilliseconds}; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;"));
        return connection;
    }

    /// <summary>Runs <paramref name="work"/> in a snapshot (a deferred transaction sees one consistent state).</summary>
    public T Read<T>(Func<SqliteConnection, SqliteTransaction, T> work)
    {
        using var connection = Open();
        using var tx = connection.BeginTransaction(deferred: true);
        return work(connection, tx);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction and commits. The busy handler already waits up to the busy
    /// timeout for the lock; should SQLite still report busy, the whole transaction is retried from the start.
    /// </summary>
    public T Write<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            ct.ThrowIfCancellationRequested();
            try
            {
                using var connection = Open();
                using var tx = connection.BeginTransaction(deferred: false);
                var result = work(connection, tx);
                tx.Commit();
                return result;
            }
            catch (SqliteException e) when (e.SqliteErrorCode is SqliteBusy or SqliteLocked && attempt < WriteAttempts)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(10 * attempt));
            }
            catch (SqliteException e) when (e.SqliteErrorCode is SqliteBusy or SqliteLocked)
            {
                throw new StoreException($"{Path}: the database stayed locked by another process: {e.Message}", e);
            }
        }
    }

    /// <summary>Takes the next store revision; call inside <see cref="Write"/>.</summary>
    public static long NextRevision(SqliteConnection connection, SqliteTransaction tx) =>
        (long)SqliteSchema.Scalar(connection, tx, "UPDATE meta SET value = value + 1 WHERE key = 'revision' RETURNING value")!;

    public static long Meta(SqliteConnection connection, SqliteTransaction tx, string key)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = "SELECT value FROM meta WHERE key = $key";
        command.Parameters.AddWithValue("$key", key);
        return (long)command.ExecuteScalar()!;
    }

    public void ClearPool()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }
}
