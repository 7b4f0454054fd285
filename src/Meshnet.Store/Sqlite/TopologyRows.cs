using System.Globalization;
using Meshnet.Model;
using Microsoft.Data.Sqlite;

namespace Meshnet.Store.Sqlite;

/// <summary>SQL for the <c>topologies</c> and <c>events</c> tables, and the mapping between rows and Topologies.</summary>
internal static class TopologyRows
{
    private const string Columns = "namespace, name, labels, spec, status, resource_version, generation";

    /// <summary>A row as stored; the JSON columns are kept as text so unchanged writes can be detected by comparison.</summary>
    public sealed record Row(string Namespace, string Name, string Labels, string Spec, string Status, long ResourceVersion, long Generation)
    {
        public Topology ToTopology() => new()
        {
            Namespace = Namespace,
            Name = Name,
            Labels = TopologyJson.DeserializeLabels(Labels),
            Spec = TopologyJson.DeserializeSpec(Spec),
            Status = TopologyJson.DeserializeStatus(Status),
            ResourceVersion = ResourceVersion.ToString(CultureInfo.InvariantCulture),
            Generation = Generation,
        };
    }

    public static Row? Find(SqliteConnection c, SqliteTransaction tx, PodKey key)
    {
        using var command = Command(c, tx, $"SELECT {Columns} FROM topologies WHERE namespace = $ns AND name = $name");
        command.Parameters.AddWithValue("$ns", key.Namespace);
        command.Parameters.AddWithValue("$name", key.Name);
        using var reader = command.ExecuteReader();
        return reader.Read() ? Read(reader) : null;
    }

    public static List<Row> List(SqliteConnection c, SqliteTransaction tx, string? ns)
    {
        using var command = Command(c, tx,
            $"SELECT {Columns} FROM topologies WHERE $ns IS NULL OR namespace = $ns ORDER BY namespace, name");
        command.Parameters.AddWithValue("$ns", (object?)ns ?? DBNull.Value);
        using var reader = command.ExecuteReader();
        var rows = new List<Row>();
        while (reader.Read())
        {
            rows.Add(Read(reader));
        }

        return rows;
    }

    public static void Upsert(SqliteConnection c, SqliteTransaction tx, Row row, string now)
    {
        using var command = Command(c, tx, """
            INSERT INTO topologies (namespace, name, labels, spec, status, resource_version, generation, created, updated)
            VALUES ($ns, $name, $labels, $spec, $status, $rv, $gen, $now, $now)
            ON CONFLICT (namespace, name) DO UPDATE SET
                labels = excluded.labels, spec = excluded.spec, status = excluded.status,
                resource_version = excluded.resource_version, generation = excluded.generation, updated = excluded.updated
            """);
        command.Parameters.AddWithValue("$ns", row.Namespace);
        command.Parameters.AddWithValue("$name", row.Name);
        command.Parameters.AddWithValue("$labels", row.Labels);
        command.Parameters.AddWithValue("$spec", row.Spec);
        command.Parameters.AddWithValue("$status", row.Status);
        command.Parameters.AddWithValue("$rv", row.ResourceVersion);
        command.Parameters.AddWithValue("$gen", row.Generation);
        command.Parameters.AddWithValue("$now", now);
        command.ExecuteNonQuery();
    }

    public static void Delete(SqliteConnection c, SqliteTransaction tx, PodKey key)
    {
        using var command = Command(c, tx, "DELETE FROM topologies WHERE namespace = $ns AND name = $name");
        command.Parameters.AddWithValue("$ns", key.Namespace);
        command.Parameters.AddWithValue("$name", key.Name);
        command.ExecuteNonQuery();
    }

    /// <summary>Records the change and trims the changelog to the last <paramref name="retention"/> revisions.</summary>
    public static void AppendEvent(SqliteConnection c, SqliteTransaction tx, TopologyEventType type, Topology obj, long revision, int retention)
    {
        using (var insert = Command(c, tx,
            "INSERT INTO events (revision, type, namespace, name, object) VALUES ($rev, $type, $ns, $name, $object)"))
        {
            insert.Parameters.AddWithValue("$rev", revision);
            insert.Parameters.AddWithValue("$type", type.ToString());
            insert.Parameters.AddWithValue("$ns", obj.Namespace);
            insert.Parameters.AddWithValue("$name", obj.Name);
            insert.Parameters.AddWithValue("$object", TopologyJson.Serialize(obj));
            insert.ExecuteNonQuery();
        }

        var horizon = revision - retention;
        if (horizon > 0)
        {
            Compact(c, tx, horizon);
        }
    }

    /// <summary>Forgets the changelog up to and including <paramref name="revision"/>.</summary>
    public static void Compact(SqliteConnection c, SqliteTransaction tx, long revision)
    {
        using var command = Command(c, tx, """
            DELETE FROM events WHERE revision <= $rev;
            UPDATE meta SET value = max(value, $rev) WHERE key = 'compacted';
            """);
        command.Parameters.AddWithValue("$rev", revision);
        command.ExecuteNonQuery();
    }

    public static List<TopologyEvent> EventsAfter(SqliteConnection c, SqliteTransaction tx, string? ns, long after, int limit)
    {
        using var command = Command(c, tx, """
            SELECT revision, type, namespace, object FROM events
            WHERE revision > $after AND ($ns IS NULL OR namespace = $ns)
            ORDER BY revision LIMIT $limit
            """);
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$ns", (object?)ns ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        var events = new List<TopologyEvent>();
        while (reader.Read())
        {
            var type = Enum.Parse<TopologyEventType>(reader.GetString(1));
            events.Add(new TopologyEvent(type, TopologyJson.Deserialize(reader.GetString(3), reader.GetString(2)), reader.GetInt64(0)));
        }

        return events;
    }

    private static Row Read(SqliteDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetInt64(5), r.GetInt64(6));

    private static SqliteCommand Command(SqliteConnection c, SqliteTransaction tx, string sql)
    {
        var command = c.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        return command;
    }
}
