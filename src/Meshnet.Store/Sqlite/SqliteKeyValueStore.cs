using Microsoft.Data.Sqlite;

namespace Meshnet.Store.Sqlite;

/// <summary>The <c>kv</c> table: revisions come from the store's shared counter, so they only ever grow.</summary>
internal sealed class SqliteKeyValueStore(SqliteDatabase db) : IKeyValueStore
{
    public Task<KeyValueEntry?> GetAsync(string key, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(db.Read((c, tx) => Find(c, tx, key)));
    }

    public Task<KeyValueEntry> PutAsync(string key, string value, long? ifRevision = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        return Task.FromResult(db.Write((c, tx) =>
        {
            var current = Find(c, tx, key);
            KeyValueEntry.CheckRevision(key, ifRevision, current);
            var entry = new KeyValueEntry(key, value, SqliteDatabase.NextRevision(c, tx));
            using var command = Command(c, tx, """
                INSERT INTO kv (key, value, revision) VALUES ($key, $value, $rev)
                ON CONFLICT (key) DO UPDATE SET value = excluded.value, revision = excluded.revision
                """);
            command.Parameters.AddWithValue("$key", key);
            command.Parameters.AddWithValue("$value", value);
            command.Parameters.AddWithValue("$rev", entry.Revision);
            command.ExecuteNonQuery();
            return entry;
        }, ct));
    }

    public Task<bool> DeleteAsync(string key, long? ifRevision = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Task.FromResult(db.Write((c, tx) =>
        {
            var current = Find(c, tx, key);
            if (current is null)
            {
                return false;
            }

            KeyValueEntry.CheckRevision(key, ifRevision, current);
            using var command = Command(c, tx, "DELETE FROM kv WHERE key = $key");
            command.Parameters.AddWithValue("$key", key);
            command.ExecuteNonQuery();
            return true;
        }, ct));
    }

    public Task<IReadOnlyList<KeyValueEntry>> ListAsync(string prefix, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ct.ThrowIfCancellationRequested();
        return Task.FromResult<IReadOnlyList<KeyValueEntry>>(db.Read((c, tx) =>
        {
            // substr() rather than LIKE/GLOB: the prefix needs no escaping and compares byte for byte.
            using var command = Command(c, tx,
                "SELECT key, value, revision FROM kv WHERE substr(key, 1, length($prefix)) = $prefix ORDER BY key");
            command.Parameters.AddWithValue("$prefix", prefix);
            using var reader = command.ExecuteReader();
            var entries = new List<KeyValueEntry>();
            while (reader.Read())
            {
                entries.Add(new KeyValueEntry(reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
            }

            return entries;
        }));
    }

    private static KeyValueEntry? Find(SqliteConnection c, SqliteTransaction tx, string key)
    {
        using var command = Command(c, tx, "SELECT value, revision FROM kv WHERE key = $key");
        command.Parameters.AddWithValue("$key", key);
        using var reader = command.ExecuteReader();
        return reader.Read() ? new KeyValueEntry(key, reader.GetString(0), reader.GetInt64(1)) : null;
    }

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction tx, string sql)
    {
        var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }
}
