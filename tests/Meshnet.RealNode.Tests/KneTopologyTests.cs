using System.Diagnostics;
using Xunit.Abstractions;

namespace Meshnet.RealNode.Tests;

/// <summary>
/// KNE's way of deploying a lab on a real node: every Topology first, then the pods, each with an init container that
/// waits for links + 1 interfaces; containerd runs the CNI chain (bridge, then meshnet) for each sandbox.
/// </summary>
[Collection(RealNodeCollection.Name)]
public sealed class KneTopologyTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void Apply_TenPodKneTopology_PodsReadyAndEveryLinkPings()
    {
        Harness.SkipUnlessAvailable();
        using var ns = new TestNamespace("kne10");
        var lab = Lab.Ring(10, 1, 3);
        var clock = Stopwatch.StartNew();

        Kubectl.Apply(ns, lab.TopologiesYaml());
        Kubectl.Apply(ns, lab.PodsYaml());
        Kubectl.WaitAllReady(ns, lab.Pods.Count, TimeSpan.FromMinutes(5));
        var ready = clock.Elapsed;
        PodLinks.AssertEveryLinkPings(ns, lab);

        output.WriteLine($"10 pods / 20 links: all Ready after {ready.TotalSeconds:0.0} s, every link pinging after {clock.Elapsed.TotalSeconds:0.0} s");
        PodLinks.AssertInterfaces(ns, lab);
    }
}
