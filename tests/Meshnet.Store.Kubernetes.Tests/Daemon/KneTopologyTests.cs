using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Meshnet.Daemon.Tests.Integration;
using Meshnet.Model;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// Topologies exactly as KNE writes them (its Go client's JSON, not our YAML): uids 0..N-1, <c>local_ip</c> and
/// <c>peer_ip</c> present but empty, a zero status in the create, nodes without links, every Topology created before
/// any pod starts, all in the lab's own namespace.
/// </summary>
public sealed class KneTopologyTests
{
    private const string Lab = "kne-lab";

    /// <summary>r1, r2, r3 in a triangle (uids 0, 1, 2), interfaces eth1/eth2 as KNE numbers them.</summary>
    private static readonly (int Uid, string A, string AIntf, string B, string BIntf)[] Triangle =
    [
        (0, "r1", "eth1", "r2", "eth1"),
        (1, "r2", "eth2", "r3", "eth1"),
        (2, "r3", "eth2", "r1", "eth2"),
    ];

    [SkippableFact]
    public async Task Add_KneTriangleCreatedBeforePods_EveryPodHasLinksPlusOneInterfacesAllUp()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await KubeNode.StartAsync();
        foreach (var pod in new[] { "r1", "r2", "r3" })
        {
            await CreateAsKneAsync(node, pod, KneLinks(pod));
        }

        var pods = new[] { "r1", "r2", "r3" }.Select(n => node.NewPod(n, Lab)).ToList();
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
        await using var node = await KubeNode.StartAsync();
        await CreateAsKneAsync(node, "r1", [KneLink(0, "r2", "eth1", "eth1")]);
        await CreateAsKneAsync(node, "r2", [KneLink(0, "r1", "eth1", "eth1")]);
        var r1 = node.NewPod("r1", Lab);
        var r2 = node.NewPod("r2", Lab);

        Assert.True(node.Runtime.Add(r1).Ok);
        Assert.True(node.Runtime.Add(r2).Ok);

        Assert.Contains("state UP", KubeNode.Link(r1, "eth1"), StringComparison.Ordinal);
        Assert.Contains("state UP", KubeNode.Link(r2, "eth1"), StringComparison.Ordinal);
        Assert.Equal(0, (await node.GetAsync("r1", Lab)).Status.Links.Single().Uid);
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
        await using var node = await KubeNode.StartAsync();
        await CreateAsKneAsync(node, "host", emptyList ? [] : null);
        var host = node.NewPod("host", Lab);

        var result = node.Runtime.Add(host);

        Assert.True(result.Ok, result.Stdout + result.Stderr + node.Daemon.Log);
        Assert.Equal(["eth0"], KubeNode.Interfaces(host));
        Assert.True(host.NetNs == (string?)node.RawStatus("host", Lab)["net_ns"], node.Daemon.Log);
    }

    [SkippableFact]
    public async Task Add_KneEmptyIps_InterfacesHaveNoAddresses()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await KubeNode.StartAsync();
        await CreateAsKneAsync(node, "r1", [KneLink(0, "r2", "eth1", "eth1")]);
        await CreateAsKneAsync(node, "r2", [KneLink(0, "r1", "eth1", "eth1")]);
        var r1 = node.NewPod("r1", Lab);
        var r2 = node.NewPod("r2", Lab);

        node.Runtime.Add(r1);
        node.Runtime.Add(r2);

        var addresses = Cmd.Run("ip", "-n", KubeNode.NsName(r1), "-o", "-4", "addr", "show", "dev", "eth1").EnsureSuccess().Stdout;
        Assert.Equal("", addresses.Trim());
        Assert.Equal("", (string?)node.RawStatus("r1", Lab)["plumbing_error"] ?? "");
    }

    private static bool AllLinksUp(KubeNode node, PodSandbox pod)
    {
        var status = node.GetAsync(pod.Name, Lab).Result.Status;
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

    /// <summary>POSTs the Topology the way KNE's client does (labels, a zero status); null <paramref name="links"/>: no links field.</summary>
    private static async Task CreateAsKneAsync(KubeNode node, string pod, JsonArray? links)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = CustomResources.ApiVersion,
            ["kind"] = CustomResources.TopologyKind,
            ["metadata"] = new JsonObject { ["name"] = pod, ["namespace"] = Lab, ["labels"] = new JsonObject { ["topo"] = Lab } },
            ["spec"] = links is null ? new JsonObject() : new JsonObject { ["links"] = links },
            ["status"] = new JsonObject { ["skipped"] = null, ["src_ip"] = "", ["net_ns"] = "" },
        };
        node.Server.CreateNamespace(Lab); // KNE creates the lab's namespace before anything in it
        using var http = new HttpClient();
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var reply = await http.PostAsync(new Uri(node.Server.BaseAddress, $"apis/{CustomResources.ApiVersion}/namespaces/{Lab}/{CustomResources.TopologyPlural}"), content);
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
    }
}
