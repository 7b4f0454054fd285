using Meshnet.Daemon.Tests.Integration;
using Meshnet.Model;
using Meshnet.Store.Kubernetes.Tests.Fixture;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// Another client writes the same Topology while the daemon works (an operator labelling it, another controller
/// writing status): the daemon's write then fails with 409, and it must re-read, recompute on top of the other write
/// and end consistent, never overwriting what the other client wrote.
/// </summary>
public sealed class ConcurrentWriterTests : IAsyncLifetime
{
    private const int Interferences = 4;

    private static string Pair => new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24").ToString();

    private FakeApiServer _server = null!;
    private KubernetesTopologyStore _other = null!;
    private int _writes;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(bookmarkInterval: TimeSpan.FromMilliseconds(200));
        _other = await KubernetesTopologyStore.ConnectAsync(_server.ClientConfiguration());
    }

    public async Task DisposeAsync()
    {
        await _other.DisposeAsync();
        await _server.DisposeAsync();
    }

    [SkippableFact]
    public async Task Add_OtherClientWritesStatusFirst_DaemonRetriesAndKeepsTheirWrite()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var proxy = await InterferingProxy.StartAsync(_server.BaseAddress, MarkSkippedAsync);
        await using var node = await KubeNode.StartAsync(_server, proxy.BaseAddress);
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        proxy.Arm(Interferences);

        var a = node.Runtime.Add(r1);
        var b = node.Runtime.Add(r2);

        Assert.True(a.Ok && b.Ok, a.Stdout + b.Stdout + node.Daemon.Log);
        Assert.Equal(Interferences, proxy.ConflictsReturned);
        Assert.True(node.Ping(r1, "10.0.0.2"), node.Daemon.Log);
        await AssertPodsConsistentAsync(node, r1, r2);
        foreach (var key in proxy.Interfered.Distinct())
        {
            Assert.NotEmpty((await node.GetAsync(key.Name)).Status.Skipped);
        }
    }

    [SkippableFact]
    public async Task Add_OtherClientRelabelsFirst_DaemonRetriesAndLabelsSurvive()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var proxy = await InterferingProxy.StartAsync(_server.BaseAddress, RelabelAsync);
        await using var node = await KubeNode.StartAsync(_server, proxy.BaseAddress);
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        proxy.Arm(Interferences);

        var a = node.Runtime.Add(r1);
        var b = node.Runtime.Add(r2);

        Assert.True(a.Ok && b.Ok, a.Stdout + b.Stdout + node.Daemon.Log);
        Assert.Equal(Interferences, proxy.ConflictsReturned);
        Assert.True(node.Ping(r1, "10.0.0.2"), node.Daemon.Log);
        await AssertPodsConsistentAsync(node, r1, r2);
        foreach (var key in proxy.Interfered.Distinct())
        {
            Assert.True((await node.GetAsync(key.Name)).Labels.ContainsKey("touched-by"));
        }
    }

    [SkippableFact]
    public async Task Del_OtherClientWritesStatusFirst_StatusIsStillCleared()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var proxy = await InterferingProxy.StartAsync(_server.BaseAddress, MarkSkippedAsync);
        await using var node = await KubeNode.StartAsync(_server, proxy.BaseAddress);
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        node.Runtime.Add(r1);
        await KubeNode.WaitForAsync(() => node.GetAsync("r1").Result.Status.Links.SingleOrDefault()?.State == LinkState.Pending, "r1 is registered, its link pending");
        proxy.Arm(1);

        var del = node.Runtime.Del(r1);

        Assert.True(del.Ok, del.Stdout);
        Assert.Equal(1, proxy.ConflictsReturned);
        var status = (await node.GetAsync("r1")).Status;
        Assert.False(status.IsAlive);
        Assert.Equal("", status.ContainerId ?? "");
        Assert.NotEmpty(status.Skipped);
    }

    /// <summary>Both pods registered on this node, their link up in both statuses, no plumbing error.</summary>
    private static async Task AssertPodsConsistentAsync(KubeNode node, params PodSandbox[] pods)
    {
        foreach (var pod in pods)
        {
            await KubeNode.WaitForAsync(() => node.GetAsync(pod.Name).Result.Status.Links.SingleOrDefault()?.State == LinkState.Up, $"{pod.Name}'s link is up in status");
            var status = (await node.GetAsync(pod.Name)).Status;
            Assert.Equal((pod.NetNs, pod.ContainerId, KubeNode.NodeIp, node.NodeName), (status.NetNs, status.ContainerId, status.SrcIp, status.NodeName));
            Assert.Equal("", status.PlumbingError ?? "");
        }
    }

    /// <summary>Another controller's status write: it adds a name to <c>skipped</c> (a field the daemon never sets).</summary>
    private async Task MarkSkippedAsync(PodKey key)
    {
        var n = Interlocked.Increment(ref _writes);
        var written = await _other.PatchStatusAsync(key, t => t.Status with { Skipped = [.. t.Status.Skipped, $"other-{n}"] });
        Assert.NotNull(written);
    }

    /// <summary>An operator's <c>kubectl label</c>: the spec side of the object, with a new resourceVersion.</summary>
    private async Task RelabelAsync(PodKey key)
    {
        var n = Interlocked.Increment(ref _writes);
        var current = (await _other.GetAsync(key))!;
        await _other.ApplyAsync(current with { Labels = new Dictionary<string, string>(current.Labels) { ["touched-by"] = $"operator-{n}" }, ResourceVersion = null });
    }
}
