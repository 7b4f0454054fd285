using System.Globalization;
using System.Text.Json.Nodes;
using Meshnet.Daemon.Tests.Integration;
using Meshnet.Model;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// meshnetd with INTER_NODE_LINK_TYPE=GRPC on the in-process API server: r1 is ADDed on this node (node1) while its
/// peer r2 runs on node2 (its status written as that node's daemon would). This node builds only its own end, records
/// it in GWireKObj default/node1 with the CRD's fields, reports it down (node2 is not there) and removes it on DEL.
/// </summary>
public sealed class KubeGrpcWireTests
{
    private static string Pair => new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24").ToString();

    private static async Task<(KubeNode Node, PodSandbox R1)> StartAsync()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var port = KubeDaemonProcess.FreePort().ToString(CultureInfo.InvariantCulture);
        var node = await KubeNode.StartAsync(daemonArgs: ["--inter-node-link-type", "GRPC", "--grpc-port", port]);
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

        await KubeNode.WaitForAsync(() => node.Server.Find(Kubernetes.CustomResources.GWireKObjPlural, node.Namespace, "node1") is not null, "GWireKObj default/node1 exists");
        var item = (JsonObject)node.Server.Find(Kubernetes.CustomResources.GWireKObjPlural, node.Namespace, "node1")!["status"]!["grpcWireItems"]!.AsArray().Single()!;
        Assert.Equal("node1", (string?)item["node_name"]);
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
        await KubeNode.WaitForAsync(() => node.Server.Find(Kubernetes.CustomResources.GWireKObjPlural, node.Namespace, "node1") is not null, "the wire is recorded");

        Assert.True(node.Runtime.Del(r1).Ok, node.Daemon.Log);
        Assert.True(node.Runtime.Del(r1).Ok, node.Daemon.Log);

        await KubeNode.WaitForAsync(() => node.Server.Find(Kubernetes.CustomResources.GWireKObjPlural, node.Namespace, "node1") is null, "GWireKObj default/node1 is deleted");
        Assert.Null(KubeNode.Link(r1, "eth1"));
    }
}
