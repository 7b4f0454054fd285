using Meshnet.Model;

namespace Meshnet.Store.Kubernetes.Tests.RealCluster;

/// <summary>
/// The store's main paths against a real kube-apiserver (MESHNET_TEST_KUBECONFIG), in a namespace of this run's
/// own: what the API server really does with our JSON patches, status subresource, watch and Events.
/// </summary>
[Collection(RealClusterCollection.Name)]
public sealed class RealClusterSmokeTests(RealClusterFixture cluster)
{
    private async Task<KubernetesTopologyStore> ConnectAsync()
    {
        Skip.If(RealClusterFixture.Kubeconfig is null, $"set {RealClusterFixture.KubeconfigVariable} to run against a real cluster");
        return await KubernetesTopologyStore.ConnectAsync(cluster.Config);
    }

    private Topology Topo(string name, int uid = 0) => new()
    {
        Namespace = cluster.Namespace,
        Name = name,
        Spec = new TopologySpec { Links = [new Link { Uid = uid, PeerPod = "peer", LocalIntf = "eth1", PeerIntf = "eth1", LocalIp = "", PeerIp = "", Mtu = 9000 }] },
    };

    [SkippableFact]
    public async Task ApplyAsync_RealServer_KeepsEveryFieldAndBumpsGenerationOnSpecOnly()
    {
        await using var store = await ConnectAsync();

        var created = await store.ApplyAsync(Topo("apply-1"));
        var withStatus = await store.UpdateStatusAsync(created with
        {
            Status = new TopologyStatus { SrcIp = "192.0.2.1", NetNs = "/proc/1/ns/net", NodeName = "n1", Links = [new LinkStatus { Uid = 0, State = LinkState.Up, Transport = "veth", Intf = "eth1" }] },
        });
        var changed = await store.ApplyAsync(Topo("apply-1", uid: 7));

        Assert.Equal(Topo("apply-1").Spec, created.Spec);
        Assert.Equal(1, withStatus.Generation);
        Assert.Equal(2, changed.Generation);
        Assert.Equal(withStatus.Status.Links, changed.Status.Links);
        Assert.Equal("192.0.2.1", changed.Status.SrcIp);
    }

    [SkippableFact]
    public async Task UpdateStatusAsync_RealServerStaleVersion_ThrowsConflict()
    {
        await using var store = await ConnectAsync();
        var created = await store.ApplyAsync(Topo("conflict-1"));
        await store.UpdateStatusAsync(created with { Status = new TopologyStatus { ContainerId = "a" } });

        await Assert.ThrowsAsync<ConflictException>(() => store.UpdateStatusAsync(created with { Status = new TopologyStatus { ContainerId = "b" } }));
    }

    [SkippableFact]
    public async Task WatchAsync_RealServer_DeliversStatusWrite()
    {
        await using var store = await ConnectAsync();
        var created = await store.ApplyAsync(Topo("watch-1"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = store.WatchAsync(cluster.Namespace, long.Parse(created.ResourceVersion!, System.Globalization.CultureInfo.InvariantCulture), timeout.Token).GetAsyncEnumerator(timeout.Token);

        await store.UpdateStatusAsync(created with { Status = new TopologyStatus { PlumbingError = "boom" } });

        Assert.True(await watch.MoveNextAsync());
        Assert.Equal(("watch-1", "boom"), (watch.Current.Object.Name, watch.Current.Object.Status.PlumbingError));
        await watch.DisposeAsync();
    }

    [SkippableFact]
    public async Task RecordEventAsync_RealServer_IsAccepted()
    {
        await using var store = await ConnectAsync();
        var created = await store.ApplyAsync(Topo("event-1"));

        Assert.True(await store.RecordEventAsync(created.Key, "PlumbingFailed", "test event", warning: true));
        Assert.True(await store.RecordEventAsync(created.Key, "PlumbingFailed", "test event", warning: true));
    }
}
