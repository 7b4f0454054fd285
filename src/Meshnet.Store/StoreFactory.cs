using Meshnet.Store.Sqlite;

namespace Meshnet.Store;

/// <summary>
/// Opens the store a <c>--store</c> option names: <c>sqlite:PATH</c> for the embedded store. (The Kubernetes store
/// is opened by the daemon itself, since it needs cluster configuration.)
/// </summary>
public static class StoreFactory
{
    public const string SqlitePrefix = "sqlite:";

    public const string DefaultSpec = "sqlite:/var/lib/meshnet/meshnet.db";

    /// <summary>True when <paramref name="spec"/> names an SQLite file.</summary>
    public static bool IsSqlite(string spec) => spec.StartsWith(SqlitePrefix, StringComparison.Ordinal) && spec.Length > SqlitePrefix.Length;

    /// <exception cref="ArgumentException">The spec names no store this build can open.</exception>
    public static async Task<ITopologyStore> OpenSqliteAsync(string spec, CancellationToken ct = default)
    {
        if (!IsSqlite(spec))
        {
            throw new ArgumentException($"--store: \"{spec}\" is not a store this command can open (expected sqlite:PATH)", nameof(spec));
        }

        var path = Path.GetFullPath(spec[SqlitePrefix.Length..]);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        return await SqliteTopologyStore.OpenAsync(path, ct);
    }
}
