using Meshnet.Store.Kubernetes.Tests.Fixture;

namespace Meshnet.Store.Kubernetes.Tests.KeyValues;

/// <summary>The key-value contract over ConfigMap meshnet-kv of the fake API server, plus what is particular to a ConfigMap.</summary>
public sealed class KubernetesKeyValueStoreTests : Meshnet.Store.Tests.KeyValueStoreContract, IAsyncLifetime
{
    private const string Ns = KubernetesKeyValueStore.DefaultNamespace;
    private const string Name = KubernetesKeyValueStore.DefaultConfigMapName;

    private FakeApiServer _server = null!;
    private KubernetesTopologyStore _store = null!;

    protected override IKeyValueStore Kv => _store.KeyValues;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(namespaces: [Ns]);
        _store = await KeyValueClients.ConnectAsync(_server);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task PutAsync_NamespaceMissing_SaysMeshnetIsNotInstalled()
    {
        await using var bare = await FakeApiServer.StartAsync();
        await using var store = await KeyValueClients.ConnectAsync(bare);

        var e = await Assert.ThrowsAsync<NotFoundException>(() => store.KeyValues.PutAsync("k", "v"));

        Assert.Contains($"namespace {Ns} does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeleteAsync_NoConfigMap_ReturnsFalseWithoutCreatingIt()
    {
        Assert.False(await Kv.DeleteAsync("k"));

        Assert.Null(_server.FindConfigMap(Ns, Name));
    }

    [Fact]
    public async Task ListAsync_NoConfigMap_ReturnsEmpty()
    {
        Assert.Empty(await Kv.ListAsync(""));
    }

    [Fact]
    public async Task PutAsync_KeysWithSlashesAndDots_AreStoredAsValidConfigMapKeys()
    {
        await Kv.PutAsync("vni/link/lab.1/7", "5007");

        var data = _server.FindConfigMap(Ns, Name)!["data"]!.AsObject();

        var key = Assert.Single(data).Key;
        Assert.Matches("^[-._a-zA-Z0-9]+$", key);
        Assert.Equal("k.vni.link.lab_2E1.7", key);
    }

    [Fact]
    public async Task PutAsync_ConfigMapChangedBetweenReadAndWrite_RetriesAndKeepsBothWrites()
    {
        await Kv.PutAsync("a", "1");
        var interfered = false;
        _server.AfterObjectRead = (plural, ns, name) =>
        {
            if (plural == "configmaps" && !interfered)
            {
                interfered = true;
                _server.SetConfigMapData(ns!, name, data => data[KubernetesKeyValueStore.EncodeKey("b")] = "1|other");
            }
        };

        var put = await Kv.PutAsync("c", "3", ifRevision: 0);

        Assert.True(interfered);
        Assert.Equal(put, await Kv.GetAsync("c"));
        Assert.Equal(["a", "b", "c"], (await Kv.ListAsync("")).Select(e => e.Key));
        Assert.True(_server.RequestCounts["PUT configmaps"] >= 3); // a, the lost c, the retried c
    }

    [Fact]
    public async Task PutAsync_ConfigMapDeletedByOperator_RecreatesItWithHigherRevisions()
    {
        var before = await Kv.PutAsync("k", "a");
        _server.DeleteConfigMap(Ns, Name);

        var after = await Kv.PutAsync("k", "b", ifRevision: 0);

        Assert.True(after.Revision > before.Revision);
    }
}
