using Meshnet.Model;
using Meshnet.Store.Sqlite;

namespace Meshnet.Store.Tests;

/// <summary>
/// Status writes that start from a copy the caller already holds (the daemon's informer cache): one request when the
/// copy is current, none when nothing changes, and a conflict plus one re-read, never another writer's lost update,
/// when the copy is behind.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "xunit calls IAsyncLifetime.DisposeAsync, which disposes the store the counter wraps.")]
public sealed class TopologyStoreExtensionsTests : IAsyncLifetime
{
    private static readonly PodKey Key = new("lab", "r1");

    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-patch-").FullName;
    private SqliteTopologyStore _backing = null!;
    private CountingTopologyStore _store = null!;

    public async Task InitializeAsync()
    {
        _backing = await SqliteTopologyStore.OpenAsync(Path.Combine(_dir, "store.db"));
        _store = new CountingTopologyStore(_backing);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PatchStatusAsync_CurrentKnownCopy_WritesOnceWithoutReading()
    {
        var known = await CreateAsync();

        var written = await _store.PatchStatusAsync(Key, known, Registered);

        Assert.Equal((0, 1), (_store.Gets, _store.StatusWrites));
        Assert.Equal("/var/run/netns/r1", written!.Status.NetNs);
        Assert.Equal(written, await _backing.GetAsync(Key));
    }

    [Fact]
    public async Task PatchStatusAsync_KnownCopyAlreadyHasTheStatus_SendsNothing()
    {
        var created = await CreateAsync();
        var known = await _backing.UpdateStatusAsync(created with { Status = Registered(created) });

        var result = await _store.PatchStatusAsync(Key, known, Registered);

        Assert.Equal((0, 0), (_store.Gets, _store.StatusWrites));
        Assert.Same(known, result);
    }

    [Fact]
    public async Task PatchStatusAsync_StaleKnownCopy_ConflictThenOneRereadKeepsTheOtherWrite()
    {
        var stale = await CreateAsync();
        await _backing.UpdateStatusAsync(stale with { Status = stale.Status with { Skipped = ["other-writer"] } });

        var written = await _store.PatchStatusAsync(Key, stale, Registered);

        Assert.Equal((1, 2, 1), (_store.Gets, _store.StatusWrites, _store.Conflicts));
        Assert.Equal(["other-writer"], written!.Status.Skipped);
        Assert.Equal("/var/run/netns/r1", written.Status.NetNs);
        Assert.Equal(written, await _backing.GetAsync(Key));
    }

    [Fact]
    public async Task PatchStatusAsync_StaleKnownCopyWithOlderSpec_RecomputesFromTheCurrentSpec()
    {
        var stale = await CreateAsync();
        await _backing.ApplyAsync(stale with { Spec = new TopologySpec { Links = [Link(0), Link(1)] }, ResourceVersion = null });

        var written = await _store.PatchStatusAsync(Key, stale, t => t.Status with { Links = [.. t.Spec.Links.Select(l => new LinkStatus { Uid = l.Uid, Intf = l.LocalIntf, State = LinkState.Pending })] });

        Assert.Equal([0, 1], written!.Status.Links.Select(l => l.Uid));
    }

    [Fact]
    public async Task PatchStatusAsync_KnownCopyWithoutResourceVersion_ReadsFirstAndKeepsTheOtherWrite()
    {
        var created = await CreateAsync();
        await _backing.UpdateStatusAsync(created with { Status = created.Status with { Skipped = ["other-writer"] } });

        var written = await _store.PatchStatusAsync(Key, created with { ResourceVersion = null }, Registered);

        Assert.Equal((1, 1), (_store.Gets, _store.StatusWrites));
        Assert.Equal(["other-writer"], written!.Status.Skipped);
    }

    [Fact]
    public async Task PatchStatusAsync_NoKnownCopy_ReadsThenWrites()
    {
        await CreateAsync();

        var written = await _store.PatchStatusAsync(Key, Registered);

        Assert.Equal((1, 1), (_store.Gets, _store.StatusWrites));
        Assert.Equal("/var/run/netns/r1", written!.Status.NetNs);
    }

    [Fact]
    public async Task PatchStatusAsync_KnownCopyOfDeletedTopology_ReturnsNull()
    {
        var known = await CreateAsync();
        await _backing.DeleteAsync(Key);

        Assert.Null(await _store.PatchStatusAsync(Key, known, Registered));
        Assert.Null(await _backing.GetAsync(Key));
    }

    [Fact]
    public async Task PatchStatusAsync_KnownCopyOfAnotherPod_Throws()
    {
        var known = await CreateAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => _store.PatchStatusAsync(new PodKey("lab", "r2"), known, Registered));
        Assert.Equal(0, _store.StatusWrites);
    }

    private Task<Topology> CreateAsync() =>
        _backing.ApplyAsync(new Topology { Namespace = Key.Namespace, Name = Key.Name, Spec = new TopologySpec { Links = [Link(0)] } });

    private static Link Link(int uid) => new() { Uid = uid, PeerPod = "r2", LocalIntf = $"eth{uid + 1}", PeerIntf = $"eth{uid + 1}" };

    private static TopologyStatus Registered(Topology t) =>
        t.Status with { NetNs = "/var/run/netns/r1", ContainerId = "c1", SrcIp = "10.0.0.1", NodeName = "node1" };
}
