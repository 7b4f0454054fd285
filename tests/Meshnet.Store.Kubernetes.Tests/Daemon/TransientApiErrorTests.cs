using Meshnet.Model;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// The API server refuses the daemon's status writes for a while (503, as during an etcd leader election): the passes
/// that hit it are retried with backoff, so the status becomes right once the server recovers, with no further event.
/// </summary>
public sealed class TransientApiErrorTests
{
    private static string Pair => new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24", uid: 0).ToString();

    private static string PairWithSecondLink => new TopologyYaml()
        .Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24", uid: 0)
        .Link("r1", "eth2", "r2", "eth2", "10.0.2.1/24", "10.0.2.2/24", uid: 1).ToString();

    [SkippableFact]
    public async Task Daemon_StatusWritesRefusedForAWhile_EditIsReportedOnceTheServerRecovers()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await KubeNode.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        Assert.True(node.Runtime.Add(r1).Ok, node.Daemon.Log);
        Assert.True(node.Runtime.Add(r2).Ok, node.Daemon.Log);

        node.Server.FailRequests("PATCH topologies/status", TimeSpan.FromSeconds(3));
        await node.ApplyAsync(PairWithSecondLink);

        // The kernel does not wait for the API server...
        await KubeNode.WaitForAsync(() => KubeNode.Link(r1, "eth2") is not null, "r1's second link exists");
        // ...and the status catches up after the outage, though nothing changes any more to prompt a pass.
        await KubeNode.WaitForAsync(() => BothLinksUp(node, "r1") && BothLinksUp(node, "r2"), "both pods report both links up", seconds: 40);
        Assert.Contains("Reconcile pass over", node.Daemon.Log, StringComparison.Ordinal);
        Assert.True(node.Ping(r1, "10.0.2.2"));
    }

    private static bool BothLinksUp(KubeNode node, string pod)
    {
        var links = node.GetAsync(pod).Result.Status.Links;
        return links.Count == 2 && links.All(l => l.State == LinkState.Up);
    }
}
