using Meshnet.Store.Sqlite;
using Xunit;

namespace Meshnet.Engine.Tests;

/// <summary>VNI allocation through the store: unique per store, agreed by both ends without a handshake.</summary>
public sealed class VniAllocatorTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-vni-").FullName;
    private SqliteTopologyStore _nodeA = null!;
    private SqliteTopologyStore _nodeB = null!;

    public async Task InitializeAsync()
    {
        // Two store instances on one file: two daemons ("nodes") allocating at the same time.
        _nodeA = await SqliteTopologyStore.OpenAsync(Path.Combine(_dir, "store.db"));
        _nodeB = await SqliteTopologyStore.OpenAsync(Path.Combine(_dir, "store.db"));
    }

    [Fact]
    public async Task AllocateAsync_BothEndsAtOnce_AgreeOnOneVni()
    {
        var a = new VniAllocator(_nodeA.KeyValues);
        var b = new VniAllocator(_nodeB.KeyValues);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(uid =>
            Task.WhenAll(Task.Run(() => a.AllocateAsync("lab", uid)), Task.Run(() => b.AllocateAsync("lab", uid)))));

        Assert.All(results, pair => Assert.Equal(pair[0], pair[1]));
        Assert.Equal(50, results.Select(p => p[0]).Distinct().Count());
    }

    [Fact]
    public async Task AllocateAsync_RacingEndsThenAnotherLink_NeverReusesTheAgreedVni()
    {
        var a = new VniAllocator(_nodeA.KeyValues);
        var b = new VniAllocator(_nodeB.KeyValues);
        var agreed = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            Task.WhenAll(Task.Run(() => a.AllocateAsync("ns" + i, 1)), Task.Run(() => b.AllocateAsync("ns" + i, 1)))));

        // Every agreed VNI must still be claimed: a later link in yet another namespace gets a fresh one.
        var later = await a.AllocateAsync("later", 1);

        Assert.DoesNotContain(later, agreed.Select(p => p[0]));
        Assert.Equal(21, agreed.Select(p => p[0]).Append(later).Distinct().Count());
    }

    [Fact]
    public async Task AllocateAsync_SameUidInTwoNamespaces_GetsDifferentVnis()
    {
        var a = new VniAllocator(_nodeA.KeyValues);

        var first = await a.AllocateAsync("lab1", 0);
        var second = await a.AllocateAsync("lab2", 0);

        Assert.Equal(VniAllocator.First, first);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task ReleaseAsync_FreedVni_CanBeAllocatedAgain()
    {
        var a = new VniAllocator(_nodeA.KeyValues);
        var vni = await a.AllocateAsync("lab1", 7);

        await a.ReleaseAsync("lab1", 7);
        var again = await new VniAllocator(_nodeB.KeyValues).AllocateAsync("lab2", 7);

        Assert.Equal(vni, again);
        Assert.Null(a.Known("lab1", 7));
    }

    [Fact]
    public async Task ReleaseNamespaceAsync_FreesOnlyThatNamespacesVnis()
    {
        var a = new VniAllocator(_nodeA.KeyValues);
        var kept = await a.AllocateAsync("keep", 1);
        await a.AllocateAsync("gone", 1);
        await a.AllocateAsync("gone", 2);

        var released = await a.ReleaseNamespaceAsync("gone");

        Assert.Equal(2, released);
        Assert.Equal(kept, a.Known("keep", 1));
        Assert.Null(a.Known("gone", 2));
        Assert.Equal(kept, await new VniAllocator(_nodeB.KeyValues).AllocateAsync("keep", 1));
    }

    [Fact]
    public async Task LoadAsync_AfterRestart_KnowsEarlierAllocations()
    {
        var vni = await new VniAllocator(_nodeA.KeyValues).AllocateAsync("lab1", 3);
        var restarted = new VniAllocator(_nodeB.KeyValues);

        await restarted.LoadAsync();

        Assert.Equal(vni, restarted.Known("lab1", 3));
    }

    public async Task DisposeAsync()
    {
        await _nodeA.DisposeAsync();
        await _nodeB.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
