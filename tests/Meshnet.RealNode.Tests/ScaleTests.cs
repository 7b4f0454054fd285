using System.Diagnostics;
using Xunit.Abstractions;

namespace Meshnet.RealNode.Tests;

/// <summary>KNE's large cases on the real node: its e2e-1500links (2 pods, 1500 links) and many pods started at once.</summary>
[Collection(RealNodeCollection.Name)]
public sealed class ScaleTests(ITestOutputHelper output)
{
    /// <summary>KNE gives a lab's pods 300 s to become Ready; recorded here, not asserted (the machine is shared).</summary>
    private static readonly TimeSpan KneBudget = TimeSpan.FromSeconds(300);

    [SkippableFact]
    public void Apply_TwoPodsWith1500Links_PodsReadyAndEveryLinkPings()
    {
        Harness.SkipUnlessAvailable();
        using var ns = new TestNamespace("l1500");
        var lab = Lab.Pair(1500);
        var clock = Stopwatch.StartNew();

        Kubectl.Apply(ns, lab.TopologiesYaml());
        Kubectl.Apply(ns, lab.PodsYaml());
        Kubectl.WaitAllReady(ns, 2, KneBudget * 2);
        var ready = clock.Elapsed;
        PodLinks.AssertEveryLinkPings(ns, lab, seconds: 300);

        output.WriteLine($"2 pods / 1500 links: Ready after {ready.TotalSeconds:0.0} s (KNE's budget {KneBudget.TotalSeconds:0} s), every link pinging after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal(1501, PodLinks.Interfaces(ns, "r1").Count);
    }

    [SkippableFact]
    public void Apply_FiftyPodsAtOnce_AllReadyAndEveryLinkPings()
    {
        Harness.SkipUnlessAvailable();
        using var ns = new TestNamespace("p50");
        var lab = Lab.Ring(50, 1);
        var clock = Stopwatch.StartNew();

        Kubectl.Apply(ns, lab.TopologiesYaml() + "---\n" + lab.PodsYaml());
        Kubectl.WaitAllReady(ns, 50, TimeSpan.FromMinutes(10));
        var ready = clock.Elapsed;
        PodLinks.AssertEveryLinkPings(ns, lab);

        output.WriteLine($"50 pods / 50 links at once: all Ready after {ready.TotalSeconds:0.0} s, every link pinging after {clock.Elapsed.TotalSeconds:0.0} s");
        PodLinks.AssertInterfaces(ns, lab);
    }
}
