using Meshnet.Model;

namespace Meshnet.Store.Tests;

/// <summary>
/// The behaviour every <see cref="ITopologyStore"/> must have. A store implementation's test class derives from
/// this and says how to open an instance over a fresh backing store (repeatable: a second instance is a second
/// "process" on the same data) and how to make the store forget its change history.
/// </summary>
public abstract class TopologyStoreContract : IAsyncLifetime
{
    private static readonly TimeSpan WatchTimeout = TimeSpan.FromSeconds(15);

    private readonly List<ITopologyStore> _opened = [];

    protected ITopologyStore Store { get; private set; } = null!;

    /// <summary>
    /// The two namespaces the contract writes in. A shared store (a real cluster) gives namespaces of the test run's
    /// own; the contract only ever looks at these two, so other users' objects and writes never disturb it.
    /// </summary>
    protected virtual string Ns1 => "lab1";

    protected virtual string Ns2 => "lab2";

    /// <summary>Opens another instance over the same backing store as every other call in this test.</summary>
    protected abstract Task<ITopologyStore> OpenInstanceAsync();

    public virtual async Task InitializeAsync() => Store = await OpenTrackedAsync();

    public virtual async Task DisposeAsync()
    {
        foreach (var store in _opened)
        {
            await store.DisposeAsync();
        }
    }

    protected async Task<ITopologyStore> OpenTrackedAsync()
    {
        var store = await OpenInstanceAsync();
        _opened.Add(store);
        return store;
    }

    protected Topology Topo(string name, string? ns = null, int uid = 1, string peer = "r2") => new()
    {
        Namespace = ns ?? Ns1,
        Name = name,
        Labels = new Dictionary<string, string> { ["lab"] = "test" },
        Spec = new TopologySpec { Links = [new Link { Uid = uid, PeerPod = peer, LocalIntf = "eth1", PeerIntf = "eth1" }] },
    };

    /// <summary>The first <paramref name="count"/> events of the contract's own namespaces (others are skipped).</summary>
    protected async Task<List<TopologyEvent>> TakeAsync(IAsyncEnumerable<TopologyEvent> watch, int count)
    {
        using var timeout = new CancellationTokenSource(WatchTimeout);
        var events = new List<TopologyEvent>();
        await foreach (var e in watch.WithCancellation(timeout.Token))
        {
            if (e.Object.Namespace != Ns1 && e.Object.Namespace != Ns2)
            {
                continue;
            }

            events.Add(e);
            if (events.Count == count)
            {
                break;
            }
        }

        return events;
    }

    [Fact]
    public async Task GetAsync_Missing_ReturnsNull()
    {
        Assert.Null(await Store.GetAsync(new PodKey(Ns1, "nope")));
    }

    [Fact]
    public async Task ApplyAsync_New_CreatesWithGenerationOneAndVersion()
    {
        var created = await Store.ApplyAsync(Topo("r1"));

        Assert.Equal(1, created.Generation);
        Assert.NotNull(created.ResourceVersion);
        Assert.Equal(created, await Store.GetAsync(created.Key));
        Assert.Equal(Topo("r1").Spec, created.Spec);
        Assert.Equal("test", created.Labels["lab"]);
    }

    [Fact]
    public async Task ApplyAsync_ChangedSpec_BumpsGenerationAndVersion()
    {
        var first = await Store.ApplyAsync(Topo("r1"));

        var second = await Store.ApplyAsync(Topo("r1", uid: 2));

        Assert.Equal(2, second.Generation);
        Assert.NotEqual(first.ResourceVersion, second.ResourceVersion);
        Assert.Equal(2, second.Spec.Links[0].Uid);
    }

    [Fact]
    public async Task ApplyAsync_ChangedLabelsOnly_BumpsVersion()
    {
        var first = await Store.ApplyAsync(Topo("r1"));

        var second = await Store.ApplyAsync(Topo("r1") with { Labels = new Dictionary<string, string> { ["lab"] = "other" } });

        Assert.NotEqual(first.ResourceVersion, second.ResourceVersion);
        Assert.Equal("other", second.Labels["lab"]);
    }

    [Fact]
    public async Task ApplyAsync_UnchangedSpec_ChangesNothing()
    {
        var first = await Store.ApplyAsync(Topo("r1"));
        var before = await Store.ListAsync();

        var second = await Store.ApplyAsync(Topo("r1"));
        await Store.ApplyAsync(Topo("marker"));

        Assert.Equal(first, second);
        // No write happened: the first change after the list is the marker's. (Revisions alone cannot show it on a
        // shared store, where other writers move them.)
        Assert.Equal("marker", Assert.Single(await TakeAsync(Store.WatchAsync(Ns1, before.Revision, default), 1)).Object.Name);
    }

    [Fact]
    public async Task ApplyAsync_Existing_KeepsStatus()
    {
        var created = await Store.ApplyAsync(Topo("r1"));
        await Store.UpdateStatusAsync(created with { Status = new TopologyStatus { SrcIp = "10.1.1.1" } });

        var updated = await Store.ApplyAsync(Topo("r1", uid: 7));

        Assert.Equal("10.1.1.1", updated.Status.SrcIp);
    }

    [Fact]
    public async Task ApplyAsync_StatusInInput_IsIgnored()
    {
        var created = await Store.ApplyAsync(Topo("r1") with { Status = new TopologyStatus { SrcIp = "10.9.9.9" } });

        Assert.Null(created.Status.SrcIp);
    }

    [Fact]
    public async Task ApplyAsync_StaleVersion_ThrowsConflict()
    {
        var first = await Store.ApplyAsync(Topo("r1"));
        await Store.ApplyAsync(Topo("r1", uid: 2));

        await Assert.ThrowsAsync<ConflictException>(() => Store.ApplyAsync(Topo("r1", uid: 3) with { ResourceVersion = first.ResourceVersion }));
    }

    [Fact]
    public async Task UpdateStatusAsync_NewStatus_KeepsSpecAndGeneration()
    {
        var created = await Store.ApplyAsync(Topo("r1"));

        var updated = await Store.UpdateStatusAsync(
            Topo("r1", uid: 99) with { ResourceVersion = created.ResourceVersion, Status = new TopologyStatus { NetNs = "/run/netns/x" } });

        Assert.Equal("/run/netns/x", updated.Status.NetNs);
        Assert.Equal(created.Spec, updated.Spec);
        Assert.Equal(created.Generation, updated.Generation);
        Assert.NotEqual(created.ResourceVersion, updated.ResourceVersion);
    }

    [Fact]
    public async Task UpdateStatusAsync_StaleVersion_ThrowsConflict()
    {
        var created = await Store.ApplyAsync(Topo("r1"));
        await Store.UpdateStatusAsync(created with { Status = new TopologyStatus { SrcIp = "a" } });

        await Assert.ThrowsAsync<ConflictException>(() => Store.UpdateStatusAsync(created with { Status = new TopologyStatus { SrcIp = "b" } }));
    }

    [Fact]
    public async Task UpdateStatusAsync_NullVersion_WritesUnconditionally()
    {
        await Store.ApplyAsync(Topo("r1"));

        var updated = await Store.UpdateStatusAsync(Topo("r1") with { Status = new TopologyStatus { SrcIp = "a" } });

        Assert.Equal("a", updated.Status.SrcIp);
    }

    [Fact]
    public async Task UpdateStatusAsync_Missing_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => Store.UpdateStatusAsync(Topo("ghost")));
    }

    [Fact]
    public async Task DeleteAsync_Existing_RemovesAndReturnsTrue()
    {
        await Store.ApplyAsync(Topo("r1"));

        Assert.True(await Store.DeleteAsync(new PodKey(Ns1, "r1")));
        Assert.Null(await Store.GetAsync(new PodKey(Ns1, "r1")));
    }

    [Fact]
    public async Task DeleteAsync_Missing_ReturnsFalse()
    {
        Assert.False(await Store.DeleteAsync(new PodKey(Ns1, "r1")));
    }

    [Fact]
    public async Task ListAsync_Namespace_ReturnsOnlyThatNamespaceAtCurrentRevision()
    {
        await Store.ApplyAsync(Topo("r1"));
        await Store.ApplyAsync(Topo("r2", ns: Ns2));
        var last = await Store.ApplyAsync(Topo("r3"));

        var list = await Store.ListAsync(Ns1);
        await Store.ApplyAsync(Topo("r4"));

        Assert.Equal(["r1", "r3"], list.Items.Select(t => t.Name));
        Assert.True(list.Revision >= long.Parse(last.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture));
        // Current: a watch from the list's revision starts after everything listed (r3 is not replayed).
        Assert.Equal("r4", Assert.Single(await TakeAsync(Store.WatchAsync(Ns1, list.Revision, default), 1)).Object.Name);
        Assert.Equal(4, (await Store.ListAsync()).Items.Count(t => t.Namespace == Ns1 || t.Namespace == Ns2));
    }

    [Fact]
    public async Task WatchAsync_FromRevision_ReplaysChangesInOrder()
    {
        var start = (await Store.ListAsync()).Revision;
        var created = await Store.ApplyAsync(Topo("r1"));
        await Store.UpdateStatusAsync(created with { Status = new TopologyStatus { SrcIp = "x" } });
        await Store.DeleteAsync(created.Key);

        var events = await TakeAsync(Store.WatchAsync(null, start, default), 3);

        Assert.Equal([TopologyEventType.Added, TopologyEventType.Modified, TopologyEventType.Deleted], events.Select(e => e.Type));
        Assert.Equal("x", events[1].Object.Status.SrcIp);
        Assert.True(events[0].Revision < events[1].Revision && events[1].Revision < events[2].Revision);
    }

    [Fact]
    public async Task WatchAsync_LiveChange_IsDelivered()
    {
        var start = (await Store.ListAsync()).Revision;
        var watch = TakeAsync(Store.WatchAsync(null, start, default), 1);

        await Store.ApplyAsync(Topo("r1"));

        Assert.Equal("r1", Assert.Single(await watch).Object.Name);
    }

    [Fact]
    public async Task WatchAsync_Namespace_SkipsOtherNamespaces()
    {
        var start = (await Store.ListAsync()).Revision;
        await Store.ApplyAsync(Topo("r1", ns: Ns2));
        await Store.ApplyAsync(Topo("r2", ns: Ns1));

        var e = Assert.Single(await TakeAsync(Store.WatchAsync(Ns1, start, default), 1));

        Assert.Equal(new PodKey(Ns1, "r2"), e.Object.Key);
    }

    [Fact]
    public async Task WatchAsync_WriteByOtherInstance_IsDelivered()
    {
        var other = await OpenTrackedAsync();
        var start = (await Store.ListAsync()).Revision;
        var watch = TakeAsync(Store.WatchAsync(null, start, default), 1);

        await other.ApplyAsync(Topo("r1"));

        Assert.Equal("r1", Assert.Single(await watch).Object.Name);
    }

    [Fact]
    public async Task WatchAsync_Cancelled_Stops()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in Store.WatchAsync(null, 0, cts.Token))
            {
            }
        });
    }

    [Fact]
    public async Task UpdateStatusAsync_SameVersionFromTwoInstances_ExactlyOneWins()
    {
        var other = await OpenTrackedAsync();
        var created = await Store.ApplyAsync(Topo("r1"));

        var writes = new[] { Store, other }.Select((s, i) => Task.Run(async () =>
        {
            try
            {
                await s.UpdateStatusAsync(created with { Status = new TopologyStatus { ContainerId = $"c{i}" } });
                return true;
            }
            catch (ConflictException)
            {
                return false;
            }
        }));

        Assert.Single(await Task.WhenAll(writes), won => won);
    }

    [Fact]
    public async Task UpdateStatusAsync_RetryingWritersOnTwoInstances_LoseNoUpdate()
    {
        const int PerWriter = 25;
        var other = await OpenTrackedAsync();
        var key = (await Store.ApplyAsync(Topo("r1"))).Key;
        await Store.UpdateStatusAsync(Topo("r1") with { Status = new TopologyStatus { ContainerId = "0" } });

        async Task Increment(ITopologyStore store)
        {
            for (var n = 0; n < PerWriter; n++)
            {
                while (true)
                {
                    var current = (await store.GetAsync(key))!;
                    var next = int.Parse(current.Status.ContainerId!, System.Globalization.CultureInfo.InvariantCulture) + 1;
                    try
                    {
                        await store.UpdateStatusAsync(current with { Status = new TopologyStatus { ContainerId = $"{next}" } });
                        break;
                    }
                    catch (ConflictException)
                    {
                    }
                }
            }
        }

        await Task.WhenAll(Task.Run(() => Increment(Store)), Task.Run(() => Increment(other)));

        Assert.Equal($"{2 * PerWriter}", (await Store.GetAsync(key))!.Status.ContainerId);
    }

    [Fact]
    public async Task OpenInstance_AfterDispose_DataIsThere()
    {
        var created = await Store.ApplyAsync(Topo("r1"));
        await Store.DisposeAsync();

        var reopened = await OpenTrackedAsync();

        Assert.Equal(created, await reopened.GetAsync(created.Key));
    }
}

/// <summary>
/// The contract plus what only a store whose history can be forgotten on demand can show (SQLite, the in-process API
/// server): a watch from a forgotten revision fails with <see cref="ExpiredException"/>. A real API server cannot be
/// told to compact its history, so the real-cluster suite runs <see cref="TopologyStoreContract"/> without this part
/// (and without a skipped test).
/// </summary>
public abstract class TopologyStoreWithHistoryContract : TopologyStoreContract
{
    /// <summary>Makes <paramref name="store"/> forget every change up to its current revision.</summary>
    protected abstract Task ForgetHistoryAsync(ITopologyStore store);

    [Fact]
    public async Task WatchAsync_ForgottenRevision_ThrowsExpired()
    {
        var start = (await Store.ListAsync()).Revision;
        await Store.ApplyAsync(Topo("r1"));
        await Store.ApplyAsync(Topo("r2"));
        await ForgetHistoryAsync(Store);

        await Assert.ThrowsAsync<ExpiredException>(() => TakeAsync(Store.WatchAsync(null, start, default), 1));
    }
}
