using Meshnet.Store.Sqlite;
using Microsoft.Data.Sqlite;

namespace Meshnet.Store.Tests.Sqlite;

/// <summary>The store contract on a fresh database file, plus what is specific to SQLite.</summary>
public sealed class SqliteTopologyStoreTests : TopologyStoreWithHistoryContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-store-").FullName;

    private string DbPath => Path.Combine(_dir, "meshnet.db");

    // No safety re-check within a test's lifetime: a watch that sees another instance's write saw it through inotify.
    private static readonly SqliteStoreOptions Options = new() { WatchRecheckInterval = TimeSpan.FromHours(1) };

    protected override async Task<ITopologyStore> OpenInstanceAsync() => await SqliteTopologyStore.OpenAsync(DbPath, Options);

    protected override async Task ForgetHistoryAsync(ITopologyStore store) =>
        await ((SqliteTopologyStore)store).CompactAsync((await store.ListAsync()).Revision);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Reads a pragma through a connection of its own, as another program inspecting the file would.</summary>
    private object? Pragma(string name)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return command.ExecuteScalar();
    }

    [Fact]
    public void OpenAsync_NewFile_RecordsSchemaVersion()
    {
        Assert.Equal((long)SqliteTopologyStore.SchemaVersion, Pragma("user_version"));
    }

    [Fact]
    public void OpenAsync_NewFile_UsesWal()
    {
        Assert.Equal("wal", Pragma("journal_mode"));
    }

    [Fact]
    public async Task OpenAsync_SchemaFromNewerProgram_ThrowsStoreException()
    {
        await Store.DisposeAsync();
        using (var connection = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA user_version = 999";
            command.ExecuteNonQuery();
        }

        var e = await Assert.ThrowsAsync<StoreException>(() => SqliteTopologyStore.OpenAsync(DbPath));

        Assert.Contains("999", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WatchAsync_BeyondRetention_ExpiresOldRevisionsOnly()
    {
        await using var store = await SqliteTopologyStore.OpenAsync(Path.Combine(_dir, "small.db"), new SqliteStoreOptions { ChangelogRetention = 3 });
        for (var i = 0; i < 6; i++)
        {
            await store.ApplyAsync(Topo("r1", uid: i));
        }

        await Assert.ThrowsAsync<ExpiredException>(() => TakeAsync(store.WatchAsync(null, 1, default), 1));
        var kept = await TakeAsync(store.WatchAsync(null, 3, default), 3);
        Assert.Equal([4L, 5L, 6L], kept.Select(e => e.Revision));
    }

    [Fact]
    public async Task WatchAsync_StoreDisposed_EndsEnumeration()
    {
        var store = await SqliteTopologyStore.OpenAsync(DbPath);
        var watch = TakeAsync(store.WatchAsync(null, 0, default), 1);

        await store.DisposeAsync();

        Assert.Empty(await watch);
    }

    [Fact]
    public async Task GetAsync_AfterApply_ResourceVersionIsStoreRevision()
    {
        var created = await Store.ApplyAsync(Topo("r1"));

        Assert.Equal((await Store.ListAsync()).Revision.ToString(System.Globalization.CultureInfo.InvariantCulture), created.ResourceVersion);
    }
}
