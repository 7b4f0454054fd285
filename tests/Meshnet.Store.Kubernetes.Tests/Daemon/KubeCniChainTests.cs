using Meshnet.Model;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// The real chain (ptp + host-local, then meshnet) against the real meshnetd whose store is the (fake) cluster: what
/// the daemon writes is checked as the API server stores it.
/// </summary>
public sealed class KubeCniChainTests
{
    private static string Pair => new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24").ToString();

    [SkippableTheory]
    [InlineData("r1", "r2")]
    [InlineData("r2", "r1")]
    public async Task Add_BothPodsInEitherOrder_LinkPings(string first, string second)
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await KubeNode.StartAsync();
        await node.ApplyAsync(Pair);
        var pods = new[] { first, second }.ToDictionary(n => n, n => node.NewPod(n));

        var a = node.Runtime.Add(pods[first]);
        var b = node.Runtime.Add(pods[second]);

        Assert.True(a.Ok, a.Stdout + a.Stderr + node.Daemon.Log);
        Assert.True(b.Ok, b.Stdout + b.Stderr + node.Daemon.Log);
        Assert.True(node.Ping(pods["r1"], "10.0.0.2"), node.Daemon.Log);
        Assert.True(node.Ping(pods["r2"], "10.0.0.1"));
    }

    [SkippableFact]
    public async Task Add_Succeeded_StatusInClusterHasPodStateAndNoPlumbingError()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await KubeNode.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");

        Assert.True(node.Runtime.Add(r1).Ok);
        Assert.True(node.Runtime.Add(r2).Ok);

        var status = node.RawStatus("r1");
        Assert.Equal(KubeNode.NodeIp, (string?)status["src_ip"]);
        Assert.Equal(r1.NetNs, (string?)status["net_ns"]);
        Assert.Equal(r1.ContainerId, (string?)status["container_id"]);
        Assert.Equal("", (string?)status["plumbing_error"] ?? "");
        await KubeNode.WaitForAsync(() => node.GetAsync("r1").Result.Status.Links.SingleOrDefault()?.State == LinkState.Up, "r1's link is up in status");
    }

    [SkippableFact]
    public async Task Del_Pod_ClearsSrcIpNetNsAndContainerIdInClusterStatus()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await KubeNode.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        node.Runtime.Add(r1);
        node.Runtime.Add(r2);

        var del = node.Runtime.Del(r1);

        Assert.True(del.Ok, del.Stdout);
        var status = node.RawStatus("r1");
        Assert.Equal("", (string?)status["src_ip"] ?? "");
        Assert.Equal("", (string?)status["net_ns"] ?? "");
        Assert.Equal("", (string?)status["container_id"] ?? "");
        Assert.Null(KubeNode.Link(r2, "eth1"));
        await KubeNode.WaitForAsync(() => node.GetAsync("r2").Result.Status.Links.SingleOrDefault()?.State == LinkState.Pending, "r2's link is pending in status");
    }

    [SkippableFact]
    public async Task Add_WritesStatus_OnlyThroughStatusSubresource()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await KubeNode.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
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
