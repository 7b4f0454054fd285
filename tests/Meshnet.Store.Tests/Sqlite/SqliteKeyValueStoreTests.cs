using Meshnet.Store.Sqlite;

namespace Meshnet.Store.Tests.Sqlite;

/// <summary>The key-value contract over the SQLite store's kv table.</summary>
public sealed class SqliteKeyValueStoreTests : KeyValueStoreContract, IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-kv-").FullName;
    private SqliteTopologyStore _store = null!;

    protected override IKeyValueStore Kv => _store.KeyValues;

    public async Task InitializeAsync() => _store = await SqliteTopologyStore.OpenAsync(Path.Combine(_dir, "kv.db"));

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
