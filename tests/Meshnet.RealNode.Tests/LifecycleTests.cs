namespace Meshnet.RealNode.Tests;

/// <summary>Pods deleted and recreated, the daemon killed, Topologies edited: links follow on the real node.</summary>
[Collection(RealNodeCollection.Name)]
public sealed class LifecycleTests(RealNodeFixture node)
{
    /// <summary>r1 in the middle: linked to r2 and to r3.</summary>
    private static readonly Lab Line = new(["r1", "r2", "r3"], [new(0, "r1", "eth1", "r2", "eth1"), new(1, "r1", "eth2", "r3", "eth1")]);

    private static void StartLab(string ns, Lab lab)
    {
        Kubectl.Apply(ns, lab.TopologiesYaml());
        Kubectl.Apply(ns, lab.PodsYaml());
        Kubectl.WaitAllReady(ns, lab.Pods.Count, TimeSpan.FromMinutes(3));
        PodLinks.AssertEveryLinkPings(ns, lab);
    }

    private static void WaitUntil(Func<bool> condition, string what, int seconds = 60)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {seconds} s waiting until {what}");
            Thread.Sleep(500);
        }
    }

    [SkippableFact]
    public void DeletePod_LivePeers_PeersLoseTheirEnds()
    {
        Harness.SkipUnlessAvailable();
        using var ns = new TestNamespace("del");
        StartLab(ns, Line);

        Kubectl.Ok(Kubectl.Run("delete", "pod", "-n", ns, "r1", "--wait=true"), "delete pod");

        WaitUntil(() => PodLinks.Interfaces(ns, "r2").SequenceEqual(["eth0"]) && PodLinks.Interfaces(ns, "r3").SequenceEqual(["eth0"]),
            "r2 and r3 lost their ends of the links to r1");
    }

    [SkippableFact]
    public void RecreatePod_AfterDelete_LinksBackAndPing()
    {
        Harness.SkipUnlessAvailable();
        using var ns = new TestNamespace("recreate");
        StartLab(ns, Line);
        Kubectl.Ok(Kubectl.Run("delete", "pod", "-n", ns, "r1", "--wait=true"), "delete pod");

        Kubectl.Apply(ns, Manifests.KnePod("r1", 2));
        Kubectl.WaitAllReady(ns, 3, TimeSpan.FromMinutes(3));

        PodLinks.AssertEveryLinkPings(ns, Line);
        PodLinks.AssertInterfaces(ns, Line);
    }

    [SkippableFact]
    public void KillDaemon_LivePods_NothingTornDownAndAPodAddedMeanwhileGetsItsLinks()
    {
        Harness.SkipUnlessAvailable();
        using var ns = new TestNamespace("kill9");
        // r1 = r2 (two links) running; r3's link to r2 declared from the start, r3 started while no daemon runs
        var lab = new Lab(["r1", "r2", "r3"], [new(0, "r1", "eth1", "r2", "eth1"), new(1, "r1", "eth2", "r2", "eth2"), new(2, "r3", "eth1", "r2", "eth3")]);
        var running = new Lab(["r1", "r2"], [.. lab.Links.Take(2)]);
        Kubectl.Apply(ns, lab.TopologiesYaml());
        Kubectl.Apply(ns, Manifests.KnePod("r1", 2) + "---\n" + Manifests.KnePod("r2", 2));
        Kubectl.WaitAllReady(ns, 2, TimeSpan.FromMinutes(3));
        PodLinks.AssertEveryLinkPings(ns, running);
        var before = PodLinks.IfIndexes(ns, "r1");

        node.Daemon.Kill9();
        try
        {
            // the kubelet creates r3's sandbox; the plugin answers "try again later" without its daemon, and the
            // kubelet retries
            Kubectl.Apply(ns, Manifests.KnePod("r3", 1));
            Thread.Sleep(5000);
            Assert.Empty(PodLinks.Unreachable(ns, "r1", running.PeerAddresses("r1")));
        }
        finally
        {
            node.Daemon.Start();
        }

        Kubectl.WaitAllReady(ns, 3, TimeSpan.FromMinutes(3));
        PodLinks.AssertEveryLinkPings(ns, lab);
        Assert.Equal(before, PodLinks.IfIndexes(ns, "r1"));
    }

    [SkippableFact]
    public void EditTopology_WhilePodsRun_LinkAddedAndRemovedOnBothEnds()
    {
        Harness.SkipUnlessAvailable();
        using var ns = new TestNamespace("edit");
        StartLab(ns, Lab.Pair(1));
        var edited = new Lab(["r1", "r2"], [new(1, "r1", "eth2", "r2", "eth2")]);

        // both Topologies rewritten at once, as `kubectl apply` of an edited lab file does: uid 0 goes, uid 1 comes
        Kubectl.Apply(ns, edited.TopologiesYaml());

        WaitUntil(() => PodLinks.Interfaces(ns, "r1").SequenceEqual(["eth0", "eth2"]) && PodLinks.Interfaces(ns, "r2").SequenceEqual(["eth0", "eth2"]),
            "r1 and r2 have eth2 instead of eth1");
        PodLinks.AssertEveryLinkPings(ns, edited);
    }
}
