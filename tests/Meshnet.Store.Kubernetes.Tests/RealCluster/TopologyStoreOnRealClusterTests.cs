#if MESHNET_REAL_CLUSTER
using Meshnet.Store.Tests;

namespace Meshnet.Store.Kubernetes.Tests.RealCluster;

/// <summary>
/// The whole store contract against the real API server of MESHNET_TEST_KUBECONFIG (compiled only when that is set
/// at build time, since the contract's facts cannot skip). It writes only in two namespaces of this run's own
/// (created here, deleted at the end of the run) and looks only at those, so other users of the cluster neither
/// disturb it nor are disturbed. An API server cannot be told to compact its history, so the forgotten-revision part
/// of the contract (TopologyStoreWithHistoryContract) is covered by the fixture's suite, not here.
/// </summary>
[Collection(RealClusterCollection.Name)]
public sealed class TopologyStoreOnRealClusterTests(RealClusterFixture cluster) : TopologyStoreContract
{
    protected override string Ns1 => $"{cluster.Namespace}-a";

    protected override string Ns2 => $"{cluster.Namespace}-b";

    public override async Task InitializeAsync()
    {
        await cluster.EnsureNamespaceAsync(Ns1);
        await cluster.EnsureNamespaceAsync(Ns2);
        await base.InitializeAsync();
        foreach (var ns in new[] { Ns1, Ns2 })
        {
            foreach (var t in (await Store.ListAsync(ns)).Items)
            {
                await Store.DeleteAsync(t.Key);
            }
        }
    }

    protected override async Task<ITopologyStore> OpenInstanceAsync() => await KubernetesTopologyStore.ConnectAsync(cluster.Config);
}
#endif
