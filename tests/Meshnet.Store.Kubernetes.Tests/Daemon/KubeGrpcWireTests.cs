using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using Meshnet.Daemon.Tests.Integration;
using Meshnet.Model;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// meshnetd with INTER_NODE_LINK_TYPE=GRPC on a cluster: r1 is ADDed on this node while its peer r2 runs on node
/// "node2" (its status written as that node's daemon would). This node builds only its own end, records it in the
/// GWireKObj named after this node with the CRD's fields, reports it down (node2 is not there) and removes it on DEL.
/// Runs on the in-process API server (<see cref="KubeGrpcWireTests"/>) and on a real one.
/// </summary>
public abstract class KubeGrpcWireContract
{
    private static string Pair => new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24").ToString();

    private protected abstract Task<KubeNode> StartNodeAsync(IReadOnlyList<string> daemonArgs);

    /// <summary>The node's GWireKObj in its namespace as the API server stores it, or null.</summary>
    private static async Task<JsonObject?> GWireKObjAsync(KubeNode node)
    {
        try
        {
            var obj = await node.Client.CustomObjects.GetNamespacedCustomObjectAsync(
                Kubernetes.CustomResources.Group, Kubernetes.CustomResources.Version, node.Namespace, Kubernetes.CustomResources.GWireKObjPlural, node.NodeName);
            return JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(obj)) as JsonObject;
        }
        catch (k8s.Autorest.HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(100);
        }
    }

    private async Task<(KubeNode Node, PodSandbox R1)> StartAsync()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var port = KubeDaemonProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        var node = await StartNodeAsync(["--inter-node-link-type", "GRPC", "--grpc-port", port]);
        try
        {
            await node.ApplyAsync(Pair);
            await node.Kubectl.PatchStatusAsync(new PodKey(node.Namespace, "r2"),
                t => t.Status with { NetNs = "/var/run/netns/elsewhere", SrcIp = "192.0.2.2", NodeName = "node2", ContainerId = "c2" });
            return (node, node.NewPod("r1"));
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    [SkippableFact]
    public async Task Add_PeerOnAnotherNode_RecordsTheWireInGWireKObjWithTheCrdFields()
    {
        var (node, r1) = await StartAsync();
        await using var _ = node;

        Assert.True(node.Runtime.Add(r1).Ok, node.Daemon.Log);

        await WaitForAsync(async () => await GWireKObjAsync(node) is not null, "the node's GWireKObj exists");
        var item = (JsonObject)(await GWireKObjAsync(node))!["status"]!["grpcWireItems"]!.AsArray().Single()!;
        Assert.Equal(node.NodeName, (string?)item["node_name"]);
        Assert.Equal(0, (long)item["link_id"]!);
        Assert.Equal(node.Namespace, (string?)item["topo_namespace"]);
        Assert.Equal(r1.NetNs, (string?)item["local_pod_net_ns"]);
        Assert.Equal("r1", (string?)item["local_pod_name"]);
        Assert.Equal("10.0.0.1/24", (string?)item["local_pod_ip"]);
        Assert.Equal("eth1", (string?)item["local_pod_iface_name"]);
        Assert.Equal("eth1", (string?)item["wire_iface_name_on_local_node"]);
        Assert.Equal("192.0.2.2", (string?)item["gwire_peer_node_ip"]);
        Assert.Equal("node2", (string?)item["gwire_peer_node_name"]);
        Assert.True((long)item["wire_iface_id_on_local_node"]! > 0);
        Assert.Equal(0, (long)item["wire_iface_id_on_peer_node"]!); // node2 never answered
    }

    [SkippableFact]
    public async Task Add_PeerNodeUnreachable_EndIsATapReportedDownWithWhy()
    {
        var (node, r1) = await StartAsync();
        await using var _ = node;

        Assert.True(node.Runtime.Add(r1).Ok, node.Daemon.Log);

        var status = Assert.Single((await node.GetAsync("r1")).Status.Links);
        Assert.Equal(("grpc", LinkState.Down), (status.Transport, status.State));
        Assert.False(string.IsNullOrEmpty(status.Error));
        Assert.Contains("tun", Cmd.Run("ip", "-d", "-n", KubeNode.NsName(r1), "link", "show", "eth1").Stdout, StringComparison.Ordinal);
        Assert.Contains("NO-CARRIER", KubeNode.Link(r1, "eth1"), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Del_Twice_RemovesTheTapAndTheGWireKObj()
    {
        var (node, r1) = await StartAsync();
        await using var _ = node;
        Assert.True(node.Runtime.Add(r1).Ok, node.Daemon.Log);
        await WaitForAsync(async () => await GWireKObjAsync(node) is not null, "the wire is recorded");

        Assert.True(node.Runtime.Del(r1).Ok, node.Daemon.Log);
        Assert.True(node.Runtime.Del(r1).Ok, node.Daemon.Log);

        await WaitForAsync(async () => await GWireKObjAsync(node) is null, "the node's GWireKObj is deleted");
        Assert.Null(KubeNode.Link(r1, "eth1"));
    }
}

public sealed class KubeGrpcWireTests : KubeGrpcWireContract
{
    private protected override Task<KubeNode> StartNodeAsync(IReadOnlyList<string> daemonArgs) => KubeNode.StartAsync(daemonArgs: daemonArgs);
}

/// <summary>The same on the real cluster of MESHNET_TEST_KUBECONFIG (skipped without it).</summary>
[Collection(RealCluster.RealClusterCollection.Name)]
public sealed class KubeGrpcWireOnRealClusterTests(RealCluster.RealClusterFixture cluster) : KubeGrpcWireContract
{
    private protected override Task<KubeNode> StartNodeAsync(IReadOnlyList<string> daemonArgs) => KubeNode.StartOnRealClusterAsync(cluster, daemonArgs);
}
