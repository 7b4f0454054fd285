namespace Meshnet.Store.Tests;

/// <summary>
/// The behaviour every <see cref="IKeyValueStore"/> must have (the SQLite store's table, the Kubernetes store's
/// ConfigMap). A store's test class derives from this and supplies a fresh, empty key-value area.
/// </summary>
public abstract class KeyValueStoreContract
{
    protected abstract IKeyValueStore Kv { get; }

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
    public async Task ListAsync_Prefix_ReturnsMatchingKeysInOrder()
    {
        await Kv.PutAsync("vni/b", "2");
        await Kv.PutAsync("vni/a", "1");
        await Kv.PutAsync("vnj/x", "3");
        await Kv.PutAsync("wire/%_", "4");

        Assert.Equal(["vni/a", "vni/b"], (await Kv.ListAsync("vni/")).Select(e => e.Key));
        Assert.Equal(["wire/%_"], (await Kv.ListAsync("wire/%")).Select(e => e.Key));
    }
}
