using Meshnet.Model;
using Meshnet.Store.Kubernetes.Tests.Fixture;

namespace Meshnet.Store.Kubernetes.Tests;

/// <summary>
/// Status writes from a copy the caller holds, counted at the API server: one PATCH when the copy is current, nothing
/// when the status would not change, and 409 → GET → PATCH when another client wrote first, whose write survives.
/// </summary>
public sealed class StatusWriteRequestTests : IAsyncLifetime
{
    private static readonly PodKey Key = new("lab1", "r1");

    private FakeApiServer _server = null!;
    private KubernetesTopologyStore _store = null!;
    private KubernetesTopologyStore _other = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(namespaces: [Key.Namespace]);
        _store = await KubernetesTopologyStore.ConnectAsync(_server.ClientConfiguration());
        _other = await KubernetesTopologyStore.ConnectAsync(_server.ClientConfiguration());
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _other.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task PatchStatusAsync_CurrentKnownCopy_OnePatchAndNoGet()
    {
        var known = await CreateAsync();
        _server.ResetRequestCounts();

        var written = await _store.PatchStatusAsync(Key, known, Registered);

        Assert.Equal(new Dictionary<string, int> { ["PATCH topologies/status"] = 1 }, _server.RequestCounts);
        Assert.Equal(written, await _other.GetAsync(Key));
    }

    [Fact]
    public async Task PatchStatusAsync_KnownCopyAlreadyHasTheStatus_NoRequest()
    {
        var created = await CreateAsync();
        var known = await _store.UpdateStatusAsync(created with { Status = Registered(created) });
        _server.ResetRequestCounts();

        await _store.PatchStatusAsync(Key, known, Registered);

        Assert.Equal(0, _server.TotalRequests);
    }

    [Fact]
    public async Task PatchStatusAsync_OtherClientWroteSinceTheKnownCopy_ConflictThenGetThenPatchKeepsTheirWrite()
    {
        var stale = await CreateAsync();
        await _other.PatchStatusAsync(Key, t => t.Status with { Skipped = ["other-writer"] });
        _server.ResetRequestCounts();

        var written = await _store.PatchStatusAsync(Key, stale, Registered);

        Assert.Equal(new Dictionary<string, int> { ["PATCH topologies/status"] = 2, ["GET topologies"] = 1 }, _server.RequestCounts);
        var stored = (await _other.GetAsync(Key))!;
        Assert.Equal(written, stored);
        Assert.Equal(["other-writer"], stored.Status.Skipped);
        Assert.Equal("/var/run/netns/r1", stored.Status.NetNs);
    }

    private Task<Topology> CreateAsync() => _store.ApplyAsync(new Topology
    {
        Namespace = Key.Namespace,
        Name = Key.Name,
        Spec = new TopologySpec { Links = [new Link { Uid = 0, PeerPod = "r2", LocalIntf = "eth1", PeerIntf = "eth1" }] },
    });

    private static TopologyStatus Registered(Topology t) =>
        t.Status with { NetNs = "/var/run/netns/r1", ContainerId = "c1", SrcIp = "10.0.0.1", NodeName = "node1" };
}
