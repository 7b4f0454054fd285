using Meshnet.Engine;
using Meshnet.Store.Kubernetes.Tests.Fixture;

namespace Meshnet.Store.Kubernetes.Tests.KeyValues;

/// <summary>Two daemons (two store connections) writing the one ConfigMap at the same time.</summary>
public sealed class KeyValueRaceTests : IAsyncLifetime
{
    private FakeApiServer _server = null!;
    private KubernetesTopologyStore _nodeA = null!;
    private KubernetesTopologyStore _nodeB = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(namespaces: [KubernetesKeyValueStore.DefaultNamespace]);
        _nodeA = await KeyValueClients.ConnectAsync(_server);
        _nodeB = await KeyValueClients.ConnectAsync(_server);
    }

    public async Task DisposeAsync()
    {
        await _nodeA.DisposeAsync();
        await _nodeB.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task PutAsync_TwoClientsCreateOnlySameKey_ExactlyOneWins()
    {
        for (var round = 0; round < 20; round++)
        {
            var key = $"vni/used/{round}";
            var outcomes = await Task.WhenAll(
                Task.Run(() => TryCreateAsync(_nodeA.KeyValues, key, "a")),
                Task.Run(() => TryCreateAsync(_nodeB.KeyValues, key, "b")));

            var winner = Assert.Single(outcomes, o => o is not null);
            Assert.Equal(winner, (await _nodeA.KeyValues.GetAsync(key))!.Value);
        }
    }

    [Fact]
    public async Task PutAsync_TwoClientsManyKeysAtOnce_EveryWriteIsKept()
    {
        var writes = Enumerable.Range(0, 40).Select(i => Task.Run(() =>
            (i % 2 == 0 ? _nodeA : _nodeB).KeyValues.PutAsync($"k/{i:D2}", i.ToString(System.Globalization.CultureInfo.InvariantCulture))));

        var entries = await Task.WhenAll(writes);

        Assert.Equal(entries.OrderBy(e => e.Key, StringComparer.Ordinal), await _nodeA.KeyValues.ListAsync("k/"));
        Assert.Equal(40, entries.Select(e => e.Revision).Distinct().Count());
    }

    [Fact]
    public async Task AllocateAsync_BothEndsOnTwoClientsAtOnce_AgreeOnOneVni()
    {
        var a = new VniAllocator(_nodeA.KeyValues);
        var b = new VniAllocator(_nodeB.KeyValues);

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(uid =>
            Task.WhenAll(Task.Run(() => a.AllocateAsync("lab", uid)), Task.Run(() => b.AllocateAsync("lab", uid)))));

        Assert.All(results, pair => Assert.Equal(pair[0], pair[1]));
        Assert.Equal(20, results.Select(p => p[0]).Distinct().Count());
        Assert.Equal(20, (await _nodeA.KeyValues.ListAsync("vni/used/")).Count); // losers gave their claims back
    }

    [Fact]
    public async Task LoadAsync_OtherClientAllocated_KnowsItsVni()
    {
        var vni = await new VniAllocator(_nodeA.KeyValues).AllocateAsync("lab1", 3);
        var restarted = new VniAllocator(_nodeB.KeyValues);

        await restarted.LoadAsync();

        Assert.Equal(vni, restarted.Known("lab1", 3));
    }

    private static async Task<string?> TryCreateAsync(IKeyValueStore kv, string key, string value)
    {
        try
        {
            await kv.PutAsync(key, value, ifRevision: 0);
            return value;
        }
        catch (ConflictException)
        {
            return null;
        }
    }
}
