#if MESHNET_REAL_CLUSTER
using Meshnet.Store.Tests;

namespace Meshnet.Store.Kubernetes.Tests.RealCluster;

/// <summary>
/// The whole store contract against the real API server of MESHNET_TEST_KUBECONFIG (compiled only when that is set
/// at build time, since the contract's facts cannot skip). The contract uses namespaces lab1 and lab2: they are
/// created when missing and emptied of Topologies before each test. Two facts depend on what a shared etcd cannot
/// promise: list revisions are cluster-wide (other writers, e.g. node leases, can move them between two calls), and
/// an API server cannot be told to compact its history, so ForgetHistory skips.
/// </summary>
[Collection(RealClusterCollection.Name)]
public sealed class TopologyStoreOnRealClusterTests(RealClusterFixture cluster) : TopologyStoreContract
{
    private static readonly string[] ContractNamespaces = ["lab1", "lab2"];

    public override async Task InitializeAsync()
    {
        foreach (var ns in ContractNamespaces)
        {
            await cluster.EnsureNamespaceAsync(ns);
        }

        await base.InitializeAsync();
        foreach (var ns in ContractNamespaces)
        {
            foreach (var t in (await Store.ListAsync(ns)).Items)
            {
                await Store.DeleteAsync(t.Key);
            }
        }
    }

    protected override async Task<ITopologyStore> OpenInstanceAsync() => await KubernetesTopologyStore.ConnectAsync(cluster.Config);

    protected override Task ForgetHistoryAsync(ITopologyStore store) =>
        throw new SkipException("a real API server cannot be told to compact its watch history; the fixture tests cover 410");
}
#endif
