using System.Text;
using Meshnet.Model;
using Meshnet.Store.Kubernetes.Tests.Fixture;

namespace Meshnet.Store.Kubernetes.Tests;

/// <summary>What the Kubernetes store does beyond the contract: reconnects, relists, the status subresource, Events, request economy.</summary>
public sealed class KubernetesTopologyStoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private FakeApiServer _server = null!;
    private KubernetesTopologyStore _store = null!;
    private KubernetesTopologyStore _other = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(bookmarkInterval: TimeSpan.FromMilliseconds(100), namespaces: ["lab1", "lab2", "kne"]);
        _store = await KubernetesTopologyStore.ConnectAsync(_server.ClientConfiguration());
        _other = await KubernetesTopologyStore.ConnectAsync(_server.ClientConfiguration());
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _other.DisposeAsync();
        await _server.DisposeAsync();
    }

    private static Topology Topo(string name, string ns = "lab1", int uid = 1) => new()
    {
        Namespace = ns,
        Name = name,
        Spec = new TopologySpec { Links = [new Link { Uid = uid, PeerPod = "peer", LocalIntf = "eth1", PeerIntf = "eth1" }] },
    };

    [Fact]
    public async Task WatchAsync_ServerEndsStream_ResumesWithoutGapOrRepeat()
    {
        var start = (await _store.ListAsync()).Revision;
        await using var watch = _store.WatchAsync(null, start, default).GetAsyncEnumerator();
        await _store.ApplyAsync(Topo("r1"));
        Assert.Equal("r1", (await NextAsync(watch)).Object.Name);

        Assert.Equal(1, _server.DropWatches());
        await _store.ApplyAsync(Topo("r2"));

        var resumed = await NextAsync(watch);
        Assert.Equal(("r2", TopologyEventType.Added), (resumed.Object.Name, resumed.Type));
        Assert.Equal(2, _server.RequestCounts["WATCH topologies"]);
    }

    [Fact]
    public async Task WatchAsync_ConnectionDropped_ReconnectsAndDelivers()
    {
        var start = (await _store.ListAsync()).Revision;
        await using var watch = _store.WatchAsync(null, start, default).GetAsyncEnumerator();
        await _store.ApplyAsync(Topo("r1"));
        await NextAsync(watch);

        _server.DropWatches(abortConnections: true);
        await _store.ApplyAsync(Topo("r2"));

        Assert.Equal("r2", (await NextAsync(watch)).Object.Name);
    }

    [Fact]
    public async Task WatchAsync_BookmarkSeen_ResumesAfterCompactionWithoutExpiring()
    {
        var start = (await _store.ListAsync()).Revision;
        await using var watch = _store.WatchAsync("lab1", start, default).GetAsyncEnumerator();
        var next = NextAsync(watch);
        // Writes elsewhere move the revision on; only bookmarks tell the lab1 watch about it.
        for (var i = 0; i < 5; i++)
        {
            await _store.ApplyAsync(Topo($"x{i}", ns: "lab2"));
        }

        await Task.Delay(TimeSpan.FromMilliseconds(500));
        _server.Compact();
        _server.DropWatches();
        await _store.ApplyAsync(Topo("r1"));

        Assert.Equal("r1", (await next).Object.Name);
    }

    [Fact]
    public async Task WatchAsync_Expired_RelistAndWatchFromListRevisionDeliversLaterChanges()
    {
        var start = (await _store.ListAsync()).Revision;
        await _store.ApplyAsync(Topo("r1"));
        _server.Compact();
        await Assert.ThrowsAsync<ExpiredException>(async () => await NextAsync(_store.WatchAsync(null, start, default).GetAsyncEnumerator()));

        var relisted = await _store.ListAsync();
        await using var watch = _store.WatchAsync(null, relisted.Revision, default).GetAsyncEnumerator();
        await _store.ApplyAsync(Topo("r2"));

        Assert.Equal(["r1"], relisted.Items.Select(t => t.Name));
        Assert.Equal("r2", (await NextAsync(watch)).Object.Name);
    }

    [Fact]
    public async Task WatchAsync_StoreDisposed_EndsEnumeration()
    {
        var watch = _store.WatchAsync(null, (await _store.ListAsync()).Revision, default).GetAsyncEnumerator();
        var next = watch.MoveNextAsync().AsTask();

        await _store.DisposeAsync();

        Assert.False(await next.WaitAsync(Timeout));
    }

    [Fact]
    public async Task ApplyAsync_SameVersionFromTwoClients_ExactlyOneWinsEachRound()
    {
        var current = await _store.ApplyAsync(Topo("r1"));
        for (var round = 2; round < 12; round++)
        {
            var version = current.ResourceVersion;
            var results = await Task.WhenAll(new[] { _store, _other }.Select((s, i) => Task.Run(async () =>
            {
                try
                {
                    return await s.ApplyAsync(Topo("r1", uid: (round * 10) + i) with { ResourceVersion = version });
                }
                catch (ConflictException)
                {
                    return null;
                }
            })));

            current = Assert.Single(results, r => r is not null)!;
            Assert.Equal(round, current.Generation);
        }
    }

    [Fact]
    public async Task UpdateStatusAsync_AnyWrite_IsOneRequestToTheStatusSubresource()
    {
        var created = await _store.ApplyAsync(Topo("r1"));
        _server.ResetRequestCounts();

        await _store.UpdateStatusAsync(created with { Status = new TopologyStatus { SrcIp = "10.0.0.1", NetNs = "/run/netns/a" } });

        Assert.Equal(new Dictionary<string, int> { ["PATCH topologies/status"] = 1 }, _server.RequestCounts);
        Assert.Equal("10.0.0.1", (string?)_server.Find("topologies", "lab1", "r1")!["status"]!["src_ip"]);
    }

    [Fact]
    public async Task UpdateStatusAsync_ClearedField_IsRemovedOnServer()
    {
        var created = await _store.ApplyAsync(Topo("r1"));
        var alive = await _store.UpdateStatusAsync(created with { Status = new TopologyStatus { SrcIp = "10.0.0.1", NetNs = "/run/netns/a", PlumbingError = "boom" } });

        var cleared = await _store.UpdateStatusAsync(alive with { Status = alive.Status with { NetNs = null, PlumbingError = null } });

        Assert.Null(cleared.Status.NetNs);
        Assert.Null(_server.Find("topologies", "lab1", "r1")!["status"]!["plumbing_error"]);
    }

    [Fact]
    public async Task ApplyAsync_ObjectAnnotatedByOthers_KeepsTheirAnnotations()
    {
        await _store.ApplyAsync(Topo("r1"));
        using var http = new HttpClient();
        var patch = new StringContent("""{"metadata":{"annotations":{"kne/owner":"x"}}}""", Encoding.UTF8, "application/merge-patch+json");
        (await http.PatchAsync(new Uri(_server.BaseAddress, "apis/networkop.co.uk/v1beta1/namespaces/lab1/topologies/r1"), patch)).EnsureSuccessStatusCode();

        await _store.ApplyAsync(Topo("r1", uid: 5));

        var stored = _server.Find("topologies", "lab1", "r1")!;
        Assert.Equal("x", (string?)stored["metadata"]!["annotations"]!["kne/owner"]);
        Assert.Equal(5, (int?)stored["spec"]!["links"]![0]!["uid"]);
    }

    [Fact]
    public async Task ApplyAsync_KneShapedTopology_RoundTripsUidZeroAndEmptyIps()
    {
        var kne = new Topology
        {
            Namespace = "kne",
            Name = "r1",
            Spec = new TopologySpec { Links = [new Link { Uid = 0, PeerPod = "r2", LocalIntf = "eth1", PeerIntf = "eth1", LocalIp = "", PeerIp = "" }] },
        };

        var stored = await _store.ApplyAsync(kne);

        Assert.Equal(kne.Spec, (await _other.GetAsync(stored.Key))!.Spec);
    }

    [Fact]
    public async Task RecordEventAsync_Warning_CreatesEventOnTheTopology()
    {
        var created = await _store.ApplyAsync(Topo("r1"));
        var uid = (string?)_server.Find("topologies", "lab1", "r1")!["metadata"]!["uid"];

        Assert.True(await _store.RecordEventAsync(created.Key, "PlumbingFailed", "link 1: peer unreachable", warning: true));

        var e = Assert.Single(_server.EventsIn("lab1"));
        Assert.Equal(("Warning", "PlumbingFailed", "link 1: peer unreachable"), ((string?)e["type"], (string?)e["reason"], (string?)e["message"]));
        var involved = e["involvedObject"]!;
        Assert.Equal(("networkop.co.uk/v1beta1", "Topology", "r1", uid), ((string?)involved["apiVersion"], (string?)involved["kind"], (string?)involved["name"], (string?)involved["uid"]));
    }

    [Fact]
    public async Task RecordEventAsync_Repeated_BumpsCountOfOneEvent()
    {
        var created = await _store.ApplyAsync(Topo("r1"));

        for (var i = 0; i < 3; i++)
        {
            await _store.RecordEventAsync(created.Key, "PlumbingFailed", "same", warning: true);
        }

        Assert.Equal(3, (int?)Assert.Single(_server.EventsIn("lab1"))["count"]);
    }

    [Fact]
    public async Task RecordEventAsync_UnknownTopology_StillRecordsWithoutUid()
    {
        Assert.True(await _store.RecordEventAsync(new PodKey("lab1", "ghost"), "PlumbingFailed", "no topology", warning: false));

        var e = Assert.Single(_server.EventsIn("lab1"));
        Assert.Equal("Normal", (string?)e["type"]);
        Assert.Null(e["involvedObject"]!["uid"]);
    }

    [Fact]
    public async Task ListAsync_Steady_IsOneRequest()
    {
        for (var i = 0; i < 20; i++)
        {
            await _store.ApplyAsync(Topo($"r{i}"));
        }

        _server.ResetRequestCounts();
        var list = await _store.ListAsync("lab1");

        Assert.Equal(20, list.Items.Count);
        Assert.Equal(1, _server.TotalRequests);
    }

    private static async Task<TopologyEvent> NextAsync(IAsyncEnumerator<TopologyEvent> watch)
    {
        Assert.True(await watch.MoveNextAsync().AsTask().WaitAsync(Timeout));
        return watch.Current;
    }
}
