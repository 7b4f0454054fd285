using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// What the daemon asks of the API server per pod event, counted by the fake server: an ADD reads its Topology once
/// (it may be newer than the watch) and writes each status that changes once; everything else starts from the
/// informer's cache, so a pass that changes nothing (a restart over a healthy node, the kernel's link events after a
/// plumb) asks nothing. Assertions read statuses from the server's own storage, which is not counted.
/// </summary>
public sealed class RequestEconomyTests
{
    private static string Pair => new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24").ToString();

    [SkippableFact]
    public async Task Add_PeerNotUpYet_OneGetAndTwoStatusPatches()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await StartWithPairAsync();
        var r1 = node.NewPod("r1");
        node.Server.ResetRequestCounts();

        var add = node.Runtime.Add(r1);

        Assert.True(add.Ok, add.Stdout + node.Daemon.Log);
        Assert.Equal("pending", LinkState(node, "r1"));
        await Task.Delay(TimeSpan.FromSeconds(1)); // any pass woken after the ADD would show up here
        Assert.Equal(Counts(get: 1, patch: 2), TopologyRequests(node));
    }

    [SkippableFact]
    public async Task Add_SecondEndOfPair_OneGetAndOnePatchPerChangedStatus()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await StartWithPairAsync();
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        Assert.True(node.Runtime.Add(r1).Ok, node.Daemon.Log);
        node.Server.ResetRequestCounts();

        var add = node.Runtime.Add(r2);

        Assert.True(add.Ok, add.Stdout + node.Daemon.Log);
        Assert.Equal(("up", "up"), (LinkState(node, "r1"), LinkState(node, "r2")));
        // The link's kernel events wake more passes; with the statuses already right they ask nothing.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(Counts(get: 1, patch: 3), TopologyRequests(node)); // r2 registered, r2's and r1's link up
    }

    [SkippableFact]
    public async Task DaemonRestart_LinksAlreadyUp_ConvergesWithoutReadingOrWritingAnyTopology()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await StartWithPairAsync();
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        Assert.True(node.Runtime.Add(r1).Ok && node.Runtime.Add(r2).Ok, node.Daemon.Log);
        await KubeNode.WaitForAsync(() => LinkState(node, "r1") == "up" && LinkState(node, "r2") == "up", "both links are up in status");
        node.Daemon.Stop();
        var passesBefore = Passes(node);
        node.Server.ResetRequestCounts();

        await node.Daemon.StartAsync();

        await KubeNode.WaitForAsync(() => Passes(node) > passesBefore, "the restarted daemon reconciled its pods");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(Counts(get: 0, patch: 0), TopologyRequests(node));
        Assert.Equal(1, node.Server.RequestCounts.GetValueOrDefault("LIST topologies"));
        Assert.True(node.Ping(r1, "10.0.0.2"), node.Daemon.Log);
    }

    private static async Task<KubeNode> StartWithPairAsync()
    {
        var node = await KubeNode.StartAsync();
        try
        {
            await node.ApplyAsync(Pair);
            // The daemon's informer must hold both before counting starts (its index file lists the pods it knows).
            var index = Path.Combine(node.Dirs.State, "topologies.idx");
            await KubeNode.WaitForAsync(() => File.Exists(index) && File.ReadAllLines(index).Count(l => l.Length > 0) == 2, "the daemon knows both Topologies");
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>The state of the pod's one link as the server stores it ("up", "pending"), or null; read without a request, so counts stay exact.</summary>
    private static string? LinkState(KubeNode node, string pod) =>
        ((string?)node.Server.Find(CustomResources.TopologyPlural, node.Namespace, pod)?["status"]?["links"]?.AsArray().SingleOrDefault()?["state"])?.ToLowerInvariant();

    private static int Passes(KubeNode node) =>
        node.Daemon.Log.Split('\n').Count(l => l.Contains("Reconciled 2 pods", StringComparison.Ordinal));

    private static Dictionary<string, int> Counts(int get, int patch) => new()
    {
        ["GET topologies"] = get,
        ["PATCH topologies/status"] = patch,
    };

    /// <summary>Reads and status writes of Topologies the daemon made (nothing else touches the server meanwhile).</summary>
    private static Dictionary<string, int> TopologyRequests(KubeNode node)
    {
        var counts = node.Server.RequestCounts;
        return new Dictionary<string, int>
        {
            ["GET topologies"] = counts.GetValueOrDefault("GET topologies"),
            ["PATCH topologies/status"] = counts.GetValueOrDefault("PATCH topologies/status"),
        };
    }
}
