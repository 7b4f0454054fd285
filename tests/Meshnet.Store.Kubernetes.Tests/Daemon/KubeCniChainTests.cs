using Meshnet.Daemon.Tests.Integration;
using Meshnet.Model;
using Meshnet.Store.Kubernetes.Tests.RealCluster;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// The real chain (ptp + host-local, then meshnet) against the real meshnetd whose store is a cluster: what the
/// daemon writes is checked as the API server stores it. Runs on the in-process API server
/// (<see cref="KubeCniChainTests"/>) and on a real one (<see cref="KubeCniChainOnRealClusterTests"/>).
/// </summary>
public abstract class KubeCniChainContract
{
    private static string Pair => new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24").ToString();

    private protected abstract Task<KubeNode> StartNodeAsync();

    /// <summary>A node with the two-pod lab applied and both pods' sandboxes made (not yet ADDed).</summary>
    private protected async Task<(KubeNode Node, PodSandbox R1, PodSandbox R2)> StartPairAsync()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var node = await StartNodeAsync();
        try
        {
            await node.ApplyAsync(Pair);
            return (node, node.NewPod("r1"), node.NewPod("r2"));
        }
        catch
        {
            await node.DisposeAsync(); // the caller never gets the node to dispose
            throw;
        }
    }

    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Add_BothPodsInEitherOrder_LinkPings(bool r1First)
    {
        var (node, r1, r2) = await StartPairAsync();
        await using var _ = node;

        var a = node.Runtime.Add(r1First ? r1 : r2);
        var b = node.Runtime.Add(r1First ? r2 : r1);

        Assert.True(a.Ok, a.Stdout + a.Stderr + node.Daemon.Log);
        Assert.True(b.Ok, b.Stdout + b.Stderr + node.Daemon.Log);
        Assert.True(node.Ping(r1, "10.0.0.2"), node.Daemon.Log);
        Assert.True(node.Ping(r2, "10.0.0.1"));
    }

    [SkippableFact]
    public async Task Add_Succeeded_StatusInClusterHasPodStateAndNoPlumbingError()
    {
        var (node, r1, r2) = await StartPairAsync();
        await using var _ = node;

        Assert.True(node.Runtime.Add(r1).Ok);
        Assert.True(node.Runtime.Add(r2).Ok);

        var status = await node.RawStatusAsync("r1");
        Assert.Equal(KubeNode.NodeIp, (string?)status["src_ip"]);
        Assert.Equal(r1.NetNs, (string?)status["net_ns"]);
        Assert.Equal(r1.ContainerId, (string?)status["container_id"]);
        Assert.Equal("", (string?)status["plumbing_error"] ?? "");
        await KubeNode.WaitForAsync(() => node.GetAsync("r1").Result.Status.Links.SingleOrDefault()?.State == LinkState.Up, "r1's link is up in status");
        Assert.Equal("1/1", (string?)(await node.RawStatusAsync("r1"))["links_up"]);
    }

    [SkippableFact]
    public async Task Del_Pod_ClearsSrcIpNetNsAndContainerIdInClusterStatus()
    {
        var (node, r1, r2) = await StartPairAsync();
        await using var _ = node;
        node.Runtime.Add(r1);
        node.Runtime.Add(r2);

        var del = node.Runtime.Del(r1);

        Assert.True(del.Ok, del.Stdout);
        var status = await node.RawStatusAsync("r1");
        Assert.Equal("", (string?)status["src_ip"] ?? "");
        Assert.Equal("", (string?)status["net_ns"] ?? "");
        Assert.Equal("", (string?)status["container_id"] ?? "");
        Assert.Null(KubeNode.Link(r2, "eth1"));
        await KubeNode.WaitForAsync(() => node.GetAsync("r2").Result.Status.Links.SingleOrDefault()?.State == LinkState.Pending, "r2's link is pending in status");
    }

    [SkippableFact]
    public async Task Add_Succeeded_KubectlGetTopoYamlShowsPodState()
    {
        Skip.IfNot(Cmd.Exists("kubectl"), "kubectl is not installed (./test.sh installs it)");
        var (node, r1, r2) = await StartPairAsync();
        await using var _ = node;
        Assert.True(node.Runtime.Add(r1).Ok, node.Daemon.Log);
        Assert.True(node.Runtime.Add(r2).Ok, node.Daemon.Log);

        var yaml = Kubectl(node, "get", "topo", "r1", "-o", "yaml");

        Assert.Contains($"src_ip: {KubeNode.NodeIp}", yaml, StringComparison.Ordinal);
        Assert.Contains($"net_ns: {r1.NetNs}", yaml, StringComparison.Ordinal);
        Assert.Contains($"container_id: {r1.ContainerId}", yaml, StringComparison.Ordinal);
        Assert.Contains($"node_name: {node.NodeName}", yaml, StringComparison.Ordinal);
    }

    /// <remarks>The table is the CRD's additionalPrinterColumns, evaluated by the server (the fixture mimics it).</remarks>
    [SkippableFact]
    public async Task KubectlGetTopo_PodsPlumbed_ShowsPrinterColumns()
    {
        Skip.IfNot(Cmd.Exists("kubectl"), "kubectl is not installed (./test.sh installs it)");
        var (node, r1, r2) = await StartPairAsync();
        await using var _ = node;
        Assert.True(node.Runtime.Add(r1).Ok, node.Daemon.Log);
        Assert.True(node.Runtime.Add(r2).Ok, node.Daemon.Log);

        var table = Kubectl(node, "get", "topo");

        Assert.Contains("NODE", table, StringComparison.Ordinal);
        Assert.Contains(node.NodeName, table, StringComparison.Ordinal);
        Assert.Contains(KubeNode.NodeIp, table, StringComparison.Ordinal);
        Assert.Contains("LINKS", table, StringComparison.Ordinal);
        await KubeNode.WaitForAsync(() => Kubectl(node, "get", "topo", "r1").Contains(" 1/1 ", StringComparison.Ordinal), "kubectl shows r1's link up");
    }

    /// <summary><c>kubectl -n NODE-NAMESPACE ARGS</c> with the daemon's kubeconfig; its standard output.</summary>
    private protected static string Kubectl(KubeNode node, params string[] args) =>
        Cmd.Run("kubectl", ["--kubeconfig", node.Kubeconfig, "-n", node.Namespace, .. args], stdin: null, env: null).EnsureSuccess().Stdout;
}

/// <summary>The chain on the in-process API server, which also counts the daemon's requests.</summary>
public sealed class KubeCniChainTests : KubeCniChainContract
{
    private protected override Task<KubeNode> StartNodeAsync() => KubeNode.StartAsync();

    [SkippableFact]
    public async Task Add_WritesStatus_OnlyThroughStatusSubresource()
    {
        var (node, r1, r2) = await StartPairAsync();
        await using var _ = node;
        node.Server.ResetRequestCounts();

        node.Runtime.Add(r1);
        node.Runtime.Add(r2);
        node.Runtime.Del(r2);

        var counts = node.Server.RequestCounts;
        Assert.True(counts.GetValueOrDefault("PATCH topologies/status") >= 3, string.Join(", ", counts));
        Assert.DoesNotContain(counts.Keys, k => k is "PATCH topologies" or "PUT topologies" or "POST topologies" or "DELETE topologies");
        Assert.Equal(0, counts.GetValueOrDefault("PUT topologies/status"));
    }
}

/// <summary>
/// The chain against the real kube-apiserver of MESHNET_TEST_KUBECONFIG (skipped without one): meshnetd runs on this
/// machine as a node of that cluster would, with pods as network namespaces, and status is read back as
/// <c>kubectl</c> shows it.
/// </summary>
[Collection(RealClusterCollection.Name)]
public sealed class KubeCniChainOnRealClusterTests(RealClusterFixture cluster) : KubeCniChainContract
{
    private protected override Task<KubeNode> StartNodeAsync() => KubeNode.StartOnRealClusterAsync(cluster);
}
