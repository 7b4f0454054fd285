using Meshnet.Daemon.Tests.Integration;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// The daemon's informer when the API server ends its watch: it must pick up where it was (or relist after 410), so a
/// Topology edited meanwhile is still plumbed into the running pods.
/// </summary>
public sealed class WatchReconnectTests
{
    private static string Pair => new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24", uid: 0).ToString();

    private static string PairWithSecondLink => new TopologyYaml()
        .Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24", uid: 0)
        .Link("r1", "eth2", "r2", "eth2", "10.0.2.1/24", "10.0.2.2/24", uid: 1).ToString();

    [SkippableTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Daemon_WatchDropped_LaterTopologyEditIsApplied(bool abortConnections)
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await KubeNode.StartAsync();
        var (r1, r2) = await StartPairAsync(node);
        var watches = node.Server.RequestCounts["WATCH topologies"];

        Assert.True(node.Server.DropWatches(abortConnections) >= 1);
        await KubeNode.WaitForAsync(() => node.Server.RequestCounts["WATCH topologies"] > watches, "the daemon watches again");
        await node.ApplyAsync(PairWithSecondLink);

        await WaitForSecondLinkAsync(r1, r2);
        Assert.True(node.Ping(r1, "10.0.2.2"), node.Daemon.Log);
    }

    [SkippableFact]
    public async Task Daemon_EditMadeWhileWatchIsDown_IsApplied()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await KubeNode.StartAsync();
        var (r1, r2) = await StartPairAsync(node);

        // The store waits before reconnecting a dropped connection: the edit lands in that gap and must be replayed.
        node.Server.DropWatches(abortConnections: true);
        await node.ApplyAsync(PairWithSecondLink);

        await WaitForSecondLinkAsync(r1, r2);
        Assert.True(node.Ping(r1, "10.0.2.2"), node.Daemon.Log);
    }

    [SkippableFact]
    public async Task Daemon_HistoryCompactedWhileWatchIsDown_RelistsOnceAndAppliesEdit()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await KubeNode.StartAsync();
        var (r1, r2) = await StartPairAsync(node);
        var lists = node.Server.RequestCounts["LIST topologies"];

        // Dropped, edited and compacted before the store's reconnect delay ends: resuming gets 410 Gone.
        node.Server.DropWatches(abortConnections: true);
        await node.ApplyAsync(PairWithSecondLink);
        node.Server.Compact();

        await WaitForSecondLinkAsync(r1, r2);
        Assert.True(node.Ping(r1, "10.0.2.2"), node.Daemon.Log);
        Assert.Equal(lists + 1, node.Server.RequestCounts["LIST topologies"]);
        Assert.Contains("relisting", node.Daemon.Log, StringComparison.Ordinal);
    }

    /// <summary>Until both ends of uid 1 exist with their addresses (the interface appears before it is addressed).</summary>
    private static Task WaitForSecondLinkAsync(PodSandbox r1, PodSandbox r2) => KubeNode.WaitForAsync(
        () => KubeNode.HasAddress(r1, "eth2", "10.0.2.1") && KubeNode.HasAddress(r2, "eth2", "10.0.2.2"),
        "the new link appears on both ends with its addresses");

    private static async Task<(PodSandbox R1, PodSandbox R2)> StartPairAsync(KubeNode node)
    {
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        Assert.True(node.Runtime.Add(r1).Ok);
        Assert.True(node.Runtime.Add(r2).Ok);
        Assert.True(node.Ping(r1, "10.0.0.2"), node.Daemon.Log);
        return (r1, r2);
    }
}
