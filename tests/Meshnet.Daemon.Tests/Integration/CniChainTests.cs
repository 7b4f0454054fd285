using System.Text.Json.Nodes;
using Meshnet.Model;
using Meshnet.Testing;
using Xunit;

namespace Meshnet.Daemon.Tests.Integration;

/// <summary>
/// The real chain on one node: ptp + host-local from containernetworking-plugins, then meshnet, each executed as a
/// runtime executes them, against a running meshnetd on the SQLite store.
/// </summary>
public sealed class CniChainTests
{
    private static string Pair => new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24").ToString();

    [SkippableTheory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    [InlineData("1.0.0")]
    public async Task Add_BothPodsInAnyOrder_LinkPingsAndPrevResultIsReturnedUnchanged(string version)
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync(version);
        await node.ApplyAsync(Pair);
        var r2 = node.NewPod("r2");
        var r1 = node.NewPod("r1");

        var first = node.Runtime.Add(r2);
        var second = node.Runtime.Add(r1);

        Assert.True(first.Ok, first.Stdout + first.Stderr);
        Assert.True(second.Ok, second.Stdout + second.Stderr);
        Assert.Equal(version, (string?)JsonNode.Parse(second.Stdout)!["cniVersion"]);
        Assert.NotNull(JsonNode.Parse(second.Stdout)!["ips"]);
        Assert.True(node.Ping(r1, "10.0.0.2"), node.Daemon.Log);
        Assert.True(node.Ping(r2, "10.0.0.1"));
    }

    [SkippableFact]
    public async Task Add_SpecVersion110_PassesPrevResultThrough()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        var prev = new JsonObject { ["cniVersion"] = "1.1.0", ["interfaces"] = new JsonArray(new JsonObject { ["name"] = "eth0" }), ["ips"] = new JsonArray() };
        JsonObject Config() => new()
        {
            ["cniVersion"] = "1.1.0", ["name"] = "podnet", ["type"] = "meshnet",
            ["daemonSocket"] = node.Dirs.Socket, ["stateDir"] = node.Dirs.State, ["prevResult"] = prev.DeepClone(),
        };

        var a = node.Runtime.ExecPlugin("ADD", r1, Config());
        var b = node.Runtime.ExecPlugin("ADD", r2, Config());

        Assert.True(a.Ok && b.Ok, a.Stdout + b.Stdout);
        Assert.True(JsonNode.DeepEquals(prev, JsonNode.Parse(b.Stdout)));
        Assert.True(node.Ping(r1, "10.0.0.2"));
        Assert.True(node.Runtime.ExecPlugin("STATUS", r1, Config()).Ok);
    }

    [SkippableFact]
    public async Task Add_Simultaneously_GivesExactlyOneWorkingLink()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");

        var results = await Task.WhenAll(Task.Run(() => node.Runtime.Add(r1)), Task.Run(() => node.Runtime.Add(r2)));

        Assert.All(results, r => Assert.True(r.Ok, r.Stdout + r.Stderr));
        Assert.Contains("eth1@", node.Link(r1, "eth1"));
        Assert.Single(Cmd.Run("ip", "-n", node.NsName(r1), "-o", "link", "show", "type", "veth").Stdout.Split('\n'), l => l.Contains("eth1@", StringComparison.Ordinal));
        Assert.True(node.Ping(r1, "10.0.0.2"));
    }

    [SkippableFact]
    public async Task Add_PodWithoutTopology_PassesStraightThrough()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        var plain = node.NewPod("plain");

        var result = node.Runtime.Add(plain);

        Assert.True(result.Ok, result.Stdout);
        Assert.NotNull(node.Link(plain, "eth0"));
        Assert.True(node.Runtime.Del(plain).Ok);
    }

    [SkippableFact]
    public async Task Del_Twice_SucceedsAndPeerLearnsTheLinkIsGone()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        node.Runtime.Add(r1);
        node.Runtime.Add(r2);

        var first = node.Runtime.Del(r1);
        var second = node.Runtime.Del(r1);

        Assert.True(first.Ok, first.Stdout);
        Assert.True(second.Ok, second.Stdout);
        Assert.Null(node.Link(r2, "eth1"));
        await NodeHarness.WaitForAsync(() => node.StatusAsync("r2").Result.Status.Links.SingleOrDefault()?.State == LinkState.Pending, "r2's link is pending");
        Assert.False((await node.StatusAsync("r1")).Status.IsAlive);
    }

    [SkippableFact]
    public async Task Del_StaleContainerId_ChangesNothing()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        node.Runtime.Add(r1);
        node.Runtime.Add(r2);

        var stale = node.Runtime.Del(r1 with { ContainerId = "0000stale" });

        Assert.True(stale.Ok, stale.Stdout);
        Assert.True(node.Ping(r1, "10.0.0.2"));
        Assert.Equal(r1.ContainerId, (await node.StatusAsync("r1")).Status.ContainerId);
    }

    [SkippableFact]
    public async Task Add_PodRecreatedInNewNetns_GetsItsLinkBack()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        node.Runtime.Add(r1);
        node.Runtime.Add(r2);
        node.Runtime.Del(r1);

        var reborn = node.NewPod("r1");
        var result = node.Runtime.Add(reborn);

        Assert.True(result.Ok, result.Stdout);
        Assert.True(node.Ping(reborn, "10.0.0.2"), node.Daemon.Log);
    }

    [SkippableFact]
    public async Task Check_InterfaceDiffersFromTopology_Fails()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        node.Runtime.Add(r1);
        node.Runtime.Add(r2);
        Assert.True(node.Runtime.Check(r1).Ok);

        Cmd.Run("ip", "-n", node.NsName(r1), "link", "set", "eth1", "mtu", "1400").EnsureSuccess();
        var check = node.Runtime.Check(r1);

        Assert.False(check.Ok);
        Assert.Contains("eth1", check.ErrorMessage);
    }

    [SkippableFact]
    public async Task Reconciler_LinkDeletedBehindItsBack_IsRepaired()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        node.Runtime.Add(r1);
        node.Runtime.Add(r2);

        Cmd.Run("ip", "-n", node.NsName(r2), "link", "del", "eth1").EnsureSuccess();

        await NodeHarness.WaitForAsync(() => node.Link(r1, "eth1") is not null && node.Link(r2, "eth1") is not null, "the link is rebuilt");
        Assert.True(node.Ping(r1, "10.0.0.2"), node.Daemon.Log);
    }

    [SkippableFact]
    public async Task Reconciler_TopologyEditedAndDeleted_AppliesToRunningPods()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        node.Runtime.Add(r1);
        node.Runtime.Add(r2);

        await node.ApplyAsync(new TopologyYaml()
            .Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24", uid: 0)
            .Link("r1", "eth2", "r2", "eth2", "10.0.2.1/24", "10.0.2.2/24", uid: 1).ToString());
        await NodeHarness.WaitForAsync(() => node.Link(r1, "eth2") is not null, "the new link appears");
        Assert.True(node.Ping(r1, "10.0.2.2"));

        await node.Store.DeleteAsync(new PodKey("default", "r2"));
        await NodeHarness.WaitForAsync(() => node.Link(r2, "eth1") is null && node.Link(r1, "eth2") is null, "r2's links are removed");
    }

    [SkippableFact]
    public async Task Daemon_RestartWithLivePods_ChangesNothing()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        node.Runtime.Add(r1);
        node.Runtime.Add(r2);
        var before = node.Link(r1, "eth1");

        node.Daemon.Stop();
        await node.Daemon.StartAsync();
        await Task.Delay(500); // let the startup pass run

        Assert.Equal(before, node.Link(r1, "eth1"));
        Assert.True(node.Ping(r1, "10.0.0.2"));
        Assert.Contains("0 created, 0 repaired", node.Daemon.Log);
    }

    [SkippableFact]
    public async Task Add_DaemonDown_PodWithTopologyGetsTryAgainAndPlainPodPasses()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        await NodeHarness.WaitForAsync(() => File.ReadAllText(Path.Combine(node.Dirs.State, "topologies.idx")).Contains("default/r1", StringComparison.Ordinal), "the index lists r1");
        node.Daemon.Stop();
        var r1 = node.NewPod("r1");
        var plain = node.NewPod("plain");

        var withTopology = node.Runtime.Add(r1);
        var without = node.Runtime.Add(plain);

        Assert.Equal(11, withTopology.ErrorCode);
        Assert.True(without.Ok, without.Stdout);
    }

    [SkippableFact]
    public async Task Add_DaemonDownThenTopologyCreated_PodIsAdoptedWhenDaemonReturns()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        node.Daemon.Stop();
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        Assert.True(node.Runtime.Add(r1).Ok);
        Assert.True(node.Runtime.Add(r2).Ok);

        await node.ApplyAsync(Pair);
        await node.Daemon.StartAsync();

        await NodeHarness.WaitForAsync(() => node.Link(r1, "eth1") is not null, "the adopted pods are linked");
        Assert.True(node.Ping(r1, "10.0.0.2"), node.Daemon.Log);
    }

    [SkippableFact]
    public async Task Del_DaemonDown_ChainSucceedsAndDaemonReleasesThePodWhenItStarts()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");
        var r2 = node.NewPod("r2");
        node.Runtime.Add(r1);
        node.Runtime.Add(r2);
        node.Daemon.Stop();

        var del = node.Runtime.Del(r1);

        Assert.True(del.Ok, del.Stdout);
        Assert.Null(node.Link(r1, "eth0")); // ptp's end went: the whole chain's DEL ran
        Assert.True((await node.StatusAsync("r1")).Status.IsAlive); // nothing released yet: the daemon is down
        await node.Daemon.StartAsync();
        await NodeHarness.WaitForAsync(() => !node.StatusAsync("r1").Result.Status.IsAlive, "the daemon completed the spooled DEL");
        await NodeHarness.WaitForAsync(() => node.StatusAsync("r2").Result.Status.Links.SingleOrDefault()?.State == LinkState.Pending, "r2's link is pending");
        Assert.Null(node.Link(r1, "eth1"));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(node.Dirs.State, "pending-del")));
    }

    [SkippableFact]
    public async Task Add_NetnsIsARegularFile_RejectedWithoutRegisteringOrBlamingThePeer()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r2 = node.NewPod("r2");
        node.Runtime.Add(r2);
        var fake = Path.Combine(node.Dirs.Root, "not-a-netns");
        File.WriteAllText(fake, "");

        var add = node.Meshnet("ADD", new PodSandbox("default", "r1", "c0ffee01", fake));

        Assert.Equal(4, add.ErrorCode);
        var r1 = (await node.StatusAsync("r1")).Status;
        Assert.False(r1.IsAlive);
        Assert.Empty(r1.Links);
        Assert.All((await node.StatusAsync("r2")).Status.Links, l => Assert.Equal(LinkState.Pending, l.State));
    }

    [SkippableFact]
    public async Task Daemon_AddAndDel_LogsItsOwnLinesWithoutPerRequestChatter()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pair);
        var r1 = node.NewPod("r1");

        node.Runtime.Add(r1);
        node.Runtime.Del(r1);

        await NodeHarness.WaitForAsync(() => node.Daemon.Log.Contains("DEL default/r1", StringComparison.Ordinal), "the daemon logged the DEL");
        Assert.Contains("ADD default/r1", node.Daemon.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Request starting", node.Daemon.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("Executing endpoint", node.Daemon.Log, StringComparison.Ordinal);
    }
}
