using Microsoft.Data.Sqlite;

namespace Meshnet.Store.Sqlite;

/// <summary>
/// The database layout, as ordered migrations; <c>PRAGMA user_version</c> records how many have run. Append new
/// migrations, never edit shipped ones.
/// </summary>
internal static class SqliteSchema
{
    private static readonly string[] Migrations =
    [
        """
        -- The store's revision counter (bumped by every write) and the highest revision trimmed from the changelog.
        CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO meta (key, value) VALUES ('revision', 0), ('compacted', 0);

        CREATE TABLE topologies (
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            labels TEXT NOT NULL,
            spec TEXT NOT NULL,
            status TEXT NOT NULL,
            resource_version INTEGER NOT NULL,
            generation INTEGER NOT NULL,
            created TEXT NOT NULL,
            updated TEXT NOT NULL,
            PRIMARY KEY (namespace, name)
        ) WITHOUT ROWID;

        -- One row per topology change, for watchers; trimmed to the last N revisions.
        CREATE TABLE events (
            revision INTEGER PRIMARY KEY,
            type TEXT NOT NULL CHECK (type IN ('Added', 'Modified', 'Deleted')),
            namespace TEXT NOT NULL,
            name TEXT NOT NULL,
            object TEXT NOT NULL
        );
        CREATE INDEX events_by_namespace ON events (namespace, revision);

        CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, revision INTEGER NOT NULL) WITHOUT ROWID;
        """,
    ];

    /// <summary>The schema version this build writes.</summary>
    public static int Version => Migrations.Length;

    /// <summary>Brings the database up to <see cref="Version"/>; safe when several processes open it at once.</summary>
    public static void Migrate(SqliteConnection connection)
    {
        using var tx = connection.BeginTransaction(deferred: false);
        var current = Convert.ToInt32(Scalar(connection, tx, "PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);
        if (current > Version)
        {
            throw new StoreException(
                $"the store's schema version {current} is newer than this program understands ({Version}); upgrade meshnet");
        }

        for (var i = current; i < Version; i++)
        {
            Execute(connection, tx, Migrations[i]);
        }

        // user_version lives in the database header and is written by this transaction, atomically with the tables.
        Execute(connection, tx, $"PRAGMA user_version = {Version}");
        tx.Commit();
    }

    public static object? Scalar(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
