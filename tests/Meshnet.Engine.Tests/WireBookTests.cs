using Meshnet.Store;
using Meshnet.Store.Sqlite;
using Xunit;

namespace Meshnet.Engine.Tests;

/// <summary>Wire ids and records of one node, over the SQLite store.</summary>
public sealed class WireBookTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-wirebook-").FullName;
    private SqliteTopologyStore _store = null!;

    public async Task InitializeAsync() => _store = await SqliteTopologyStore.OpenAsync(Path.Combine(_dir, "store.db"));

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private WireBook Book(string node = "n1") => new(_store.KeyValues, _store.Wires, node);

    [Fact]
    public async Task AllocateAsync_SeveralLinksAndNamespaces_GivesDistinctIds()
    {
        var book = Book();

        var ids = new[] { await book.AllocateAsync("a", 1), await book.AllocateAsync("a", 2), await book.AllocateAsync("b", 1) };

        Assert.Equal(3, ids.Distinct().Count());
        Assert.All(ids, id => Assert.True(id > 0));
    }

    [Fact]
    public async Task AllocateAsync_SameLinkAgain_ReturnsTheSameId()
    {
        var book = Book();
        var first = await book.AllocateAsync("a", 1);

        Assert.Equal(first, await book.AllocateAsync("a", 1));
    }

    [Fact]
    public async Task LoadAsync_AfterARestart_KnowsTheIdsAndAllocatesPastThem()
    {
        var before = Book();
        var id = await before.AllocateAsync("a", 1);
        await before.AllocateAsync("a", 2);
        await before.ForgetAsync([new WireKey("a", 2)]);

        var after = Book();
        await after.LoadAsync();

        Assert.Equal(id, after.IdOf("a", 1));
        Assert.Null(after.IdOf("a", 2));
        Assert.NotEqual(id, await after.AllocateAsync("a", 3));
    }

    [Fact]
    public async Task AllocateAsync_OtherNodes_AreIndependent()
    {
        var n1 = Book("n1");
        var n2 = Book("n2");
        await n1.AllocateAsync("a", 1);

        await n2.AllocateAsync("a", 1);
        var reloaded = Book("n1");
        await reloaded.LoadAsync();

        Assert.NotNull(reloaded.IdOf("a", 1));
        Assert.Null(Book("n3").IdOf("a", 1));
    }

    [Fact]
    public async Task ForgetAsync_Link_RemovesItsRecordAndIdEntries()
    {
        var book = Book();
        var id = await book.AllocateAsync("a", 1);
        await book.RecordAsync([new WireRecord("n1", "a", 1, id, "r1", "/x", "", "eth1", "n2", "10.0.0.2")]);

        await book.ForgetAsync([new WireKey("a", 1)]);

        Assert.Empty(await _store.Wires.ListAsync("n1"));
        Assert.Empty(await _store.KeyValues.ListAsync("wire/"));
    }

    [Fact]
    public async Task RecordAsync_UnchangedRecord_WritesNothing()
    {
        var book = Book();
        var record = new WireRecord("n1", "a", 1, 1, "r1", "/x", "", "eth1", "n2", "10.0.0.2");
        await book.RecordAsync([record]);

        Assert.Equal(0, await book.RecordAsync([record]));
        Assert.Equal(1, await book.RecordAsync([record with { PeerWireId = 4 }]));
    }
}
