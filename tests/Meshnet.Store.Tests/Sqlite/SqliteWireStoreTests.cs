using Meshnet.Store.Sqlite;

namespace Meshnet.Store.Tests.Sqlite;

/// <summary>The wire-record contract over the SQLite store.</summary>
public sealed class SqliteWireStoreTests : WireStoreContract, IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-wires-").FullName;
    private SqliteTopologyStore _store = null!;

    protected override IWireStore Wires => _store.Wires;

    public async Task InitializeAsync() => _store = await SqliteTopologyStore.OpenAsync(Path.Combine(_dir, "wires.db"));

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
