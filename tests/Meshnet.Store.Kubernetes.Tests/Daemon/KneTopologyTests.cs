using System.Text.Json.Nodes;
using Meshnet.Daemon.Tests.Integration;
using Meshnet.Model;
using Meshnet.Store.Kubernetes.Tests.RealCluster;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// Topologies exactly as KNE writes them (its Go client's JSON, not our YAML): uids 0..N-1, <c>local_ip</c> and
/// <c>peer_ip</c> present but empty, a zero status in the create, nodes without links, every Topology created before
/// any pod starts, all in the lab's own namespace. Runs on the in-process API server and on a real one.
/// </summary>
public abstract class KneTopologyContract
{
    /// <summary>r1, r2, r3 in a triangle (uids 0, 1, 2), interfaces eth1/eth2 as KNE numbers them.</summary>
    private static readonly (int Uid, string A, string AIntf, string B, string BIntf)[] Triangle =
    [
        (0, "r1", "eth1", "r2", "eth1"),
        (1, "r2", "eth2", "r3", "eth1"),
        (2, "r3", "eth2", "r1", "eth2"),
    ];

    private protected abstract Task<KubeNode> StartNodeAsync();

    [SkippableFact]
    public async Task Add_KneTriangleCreatedBeforePods_EveryPodHasLinksPlusOneInterfacesAllUp()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await StartNodeAsync();
        foreach (var pod in new[] { "r1", "r2", "r3" })
        {
            await CreateAsKneAsync(node, pod, KneLinks(pod));
        }

        var pods = new[] { "r1", "r2", "r3" }.Select(n => node.NewPod(n)).ToList();
        var results = pods.Select(node.Runtime.Add).ToList();

        Assert.All(results, r => Assert.True(r.Ok, r.Stdout + r.Stderr + node.Daemon.Log));
        Assert.Equal(["eth0", "eth1", "eth2"], KubeNode.Interfaces(pods[0]));
        Assert.Equal(["eth0", "eth1", "eth2"], KubeNode.Interfaces(pods[1]));
        Assert.Equal(["eth0", "eth1", "eth2"], KubeNode.Interfaces(pods[2]));
        await KubeNode.WaitForAsync(() => pods.All(p => AllLinksUp(node, p)), "every link (uid 0 included) is up in status");
    }

    [SkippableFact]
    public async Task Add_KneUidZero_LinkIsPlumbedBetweenTheNamedInterfaces()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await StartNodeAsync();
        await CreateAsKneAsync(node, "r1", [KneLink(0, "r2", "eth1", "eth1")]);
        await CreateAsKneAsync(node, "r2", [KneLink(0, "r1", "eth1", "eth1")]);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");

        Assert.True(node.Runtime.Add(r1).Ok);
        Assert.True(node.Runtime.Add(r2).Ok);

        Assert.Contains("state UP", KubeNode.Link(r1, "eth1"), StringComparison.Ordinal);
        Assert.Contains("state UP", KubeNode.Link(r2, "eth1"), StringComparison.Ordinal);
        Assert.Equal(0, (await node.GetAsync("r1")).Status.Links.Single().Uid);
    }

    /// <remarks>
    /// KNE's Go client sends <c>"links": null</c> for a node without links; the real API server prunes that null
    /// (the CRD does not mark it nullable), so what the daemon reads back is either <c>[]</c> or no <c>links</c> at all.
    /// </remarks>
    [SkippableTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Add_KneNodeWithoutLinks_SucceedsWithOnlyThePrimaryInterface(bool emptyList)
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await StartNodeAsync();
        await CreateAsKneAsync(node, "host", emptyList ? [] : null);
        var host = node.NewPod("host");

        var result = node.Runtime.Add(host);

        Assert.True(result.Ok, result.Stdout + result.Stderr + node.Daemon.Log);
        Assert.Equal(["eth0"], KubeNode.Interfaces(host));
        Assert.True(host.NetNs == (string?)(await node.RawStatusAsync("host"))["net_ns"], node.Daemon.Log);
    }

    [SkippableFact]
    public async Task Add_KneEmptyIps_InterfacesHaveNoAddresses()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await StartNodeAsync();
        await CreateAsKneAsync(node, "r1", [KneLink(0, "r2", "eth1", "eth1")]);
        await CreateAsKneAsync(node, "r2", [KneLink(0, "r1", "eth1", "eth1")]);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");

        node.Runtime.Add(r1);
        node.Runtime.Add(r2);

        var addresses = Cmd.Run("ip", "-n", KubeNode.NsName(r1), "-o", "-4", "addr", "show", "dev", "eth1").EnsureSuccess().Stdout;
        Assert.Equal("", addresses.Trim());
        Assert.Equal("", (string?)(await node.RawStatusAsync("r1"))["plumbing_error"] ?? "");
    }

    private static bool AllLinksUp(KubeNode node, PodSandbox pod)
    {
        var status = node.GetAsync(pod.Name).Result.Status;
        return status.Links.Count == 2 && status.Links.All(l => l.State == LinkState.Up);
    }

    private static JsonArray KneLinks(string pod) => [.. Triangle
        .Where(l => l.A == pod || l.B == pod)
        .Select(l => l.A == pod ? KneLink(l.Uid, l.B, l.AIntf, l.BIntf) : KneLink(l.Uid, l.A, l.BIntf, l.AIntf))];

    /// <summary>One link as KNE's Go types serialize it: every field present, IPs empty.</summary>
    private static JsonObject KneLink(int uid, string peer, string localIntf, string peerIntf) => new()
    {
        ["local_intf"] = localIntf,
        ["local_ip"] = "",
        ["peer_intf"] = peerIntf,
        ["peer_ip"] = "",
        ["peer_pod"] = peer,
        ["uid"] = uid,
    };

    /// <summary>Creates the Topology the way KNE's client does (labels, a zero status); null <paramref name="links"/>: no links field.</summary>
    private static Task CreateAsKneAsync(KubeNode node, string pod, JsonArray? links) => node.CreateRawAsync(new JsonObject
    {
        ["apiVersion"] = CustomResources.ApiVersion,
        ["kind"] = CustomResources.TopologyKind,
        ["metadata"] = new JsonObject { ["name"] = pod, ["namespace"] = node.Namespace, ["labels"] = new JsonObject { ["topo"] = node.Namespace } },
        ["spec"] = links is null ? new JsonObject() : new JsonObject { ["links"] = links },
        ["status"] = new JsonObject { ["skipped"] = null, ["src_ip"] = "", ["net_ns"] = "" },
    });
}

/// <summary>KNE's Topologies on the in-process API server.</summary>
public sealed class KneTopologyTests : KneTopologyContract
{
    private protected override Task<KubeNode> StartNodeAsync() => KubeNode.StartAsync();
}

/// <summary>KNE's Topologies on the real kube-apiserver of MESHNET_TEST_KUBECONFIG (skipped without one).</summary>
[Collection(RealClusterCollection.Name)]
public sealed class KneTopologyOnRealClusterTests(RealClusterFixture cluster) : KneTopologyContract
{
    private protected override Task<KubeNode> StartNodeAsync() => KubeNode.StartOnRealClusterAsync(cluster);
}
