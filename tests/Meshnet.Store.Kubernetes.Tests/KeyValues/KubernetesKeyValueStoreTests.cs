using Meshnet.Store.Kubernetes.Tests.Fixture;

namespace Meshnet.Store.Kubernetes.Tests.KeyValues;

/// <summary>The key-value contract of the SQLite store (SqliteKeyValueStoreTests), over ConfigMap meshnet-kv of the fake API server.</summary>
public sealed class KubernetesKeyValueStoreTests : IAsyncLifetime
{
    private const string Ns = KubernetesKeyValueStore.DefaultNamespace;
    private const string Name = KubernetesKeyValueStore.DefaultConfigMapName;

    private FakeApiServer _server = null!;
    private KubernetesTopologyStore _store = null!;

    private IKeyValueStore Kv => _store.KeyValues;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync();
        _store = await KeyValueClients.ConnectAsync(_server);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task GetAsync_Missing_ReturnsNull()
    {
        Assert.Null(await Kv.GetAsync("vni/lab1/1"));
    }

    [Fact]
    public async Task PutAsync_New_IsReadBackWithRevision()
    {
        var put = await Kv.PutAsync("vni/lab1/1", "5001");

        Assert.Equal(put, await Kv.GetAsync("vni/lab1/1"));
        Assert.True(put.Revision > 0);
    }

    [Fact]
    public async Task PutAsync_CreateOnlyWhenExists_ThrowsConflict()
    {
        await Kv.PutAsync("k", "a", ifRevision: 0);

        await Assert.ThrowsAsync<ConflictException>(() => Kv.PutAsync("k", "b", ifRevision: 0));
    }

    [Fact]
    public async Task PutAsync_StaleRevision_ThrowsConflict()
    {
        var first = await Kv.PutAsync("k", "a");
        await Kv.PutAsync("k", "b", first.Revision);

        await Assert.ThrowsAsync<ConflictException>(() => Kv.PutAsync("k", "c", first.Revision));
    }

    [Fact]
    public async Task PutAsync_RevisionOfMissingKey_ThrowsConflict()
    {
        await Assert.ThrowsAsync<ConflictException>(() => Kv.PutAsync("k", "a", ifRevision: 5));
    }

    [Fact]
    public async Task PutAsync_CurrentRevision_ReplacesValueWithNewerRevision()
    {
        var first = await Kv.PutAsync("k", "a");

        var second = await Kv.PutAsync("k", "b", first.Revision);

        Assert.Equal("b", second.Value);
        Assert.True(second.Revision > first.Revision);
    }

    [Fact]
    public async Task PutAsync_OtherKeys_EachGetsAHigherRevision()
    {
        var revisions = new List<long>();
        foreach (var key in new[] { "c", "a", "b", "a" })
        {
            revisions.Add((await Kv.PutAsync(key, "v")).Revision);
        }

        Assert.Equal(revisions.Order(), revisions);
        Assert.Equal(4, revisions.Distinct().Count());
    }

    [Fact]
    public async Task PutAsync_ValueWithSeparator_IsReadBackUnchanged()
    {
        await Kv.PutAsync("k", "a|b|\n|");

        Assert.Equal("a|b|\n|", (await Kv.GetAsync("k"))!.Value);
    }

    [Fact]
    public async Task DeleteAsync_StaleRevision_ThrowsConflict()
    {
        var first = await Kv.PutAsync("k", "a");
        await Kv.PutAsync("k", "b");

        await Assert.ThrowsAsync<ConflictException>(() => Kv.DeleteAsync("k", first.Revision));
    }

    [Fact]
    public async Task DeleteAsync_Existing_RemovesIt()
    {
        await Kv.PutAsync("k", "a");

        Assert.True(await Kv.DeleteAsync("k"));
        Assert.Null(await Kv.GetAsync("k"));
        Assert.False(await Kv.DeleteAsync("k"));
    }

    [Fact]
    public async Task DeleteAsync_NoConfigMap_ReturnsFalseWithoutCreatingIt()
    {
        Assert.False(await Kv.DeleteAsync("k"));

        Assert.Null(_server.FindConfigMap(Ns, Name));
    }

    [Fact]
    public async Task ListAsync_Prefix_ReturnsMatchingKeysInOrder()
    {
        await Kv.PutAsync("vni/b", "2");
        await Kv.PutAsync("vni/a", "1");
        await Kv.PutAsync("vnj/x", "3");
        await Kv.PutAsync("wire/%_", "4");

        Assert.Equal(["vni/a", "vni/b"], (await Kv.ListAsync("vni/")).Select(e => e.Key));
        Assert.Equal(["wire/%_"], (await Kv.ListAsync("wire/%")).Select(e => e.Key));
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
