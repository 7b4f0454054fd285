namespace Meshnet.RealNode.Tests;

/// <summary>Topologies shaped like meshnet-cni's own e2e files, applied with kubectl as they are.</summary>
[Collection(RealNodeCollection.Name)]
public sealed class MeshnetE2eShapeTests
{
    /// <summary>meshnet-cni's 3-node triangle: one <c>v1 List</c> holding the Topologies and the Pods, /24 addresses.</summary>
    private const string TriangleList = """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: networkop.co.uk/v1beta1
          kind: Topology
          metadata: {name: r1}
          spec:
            links:
            - {uid: 1, peer_pod: r2, local_intf: eth1, local_ip: 12.12.12.1/24, peer_intf: eth1, peer_ip: 12.12.12.2/24}
            - {uid: 2, peer_pod: r3, local_intf: eth2, local_ip: 13.13.13.1/24, peer_intf: eth1, peer_ip: 13.13.13.3/24}
        - apiVersion: networkop.co.uk/v1beta1
          kind: Topology
          metadata: {name: r2}
          spec:
            links:
            - {uid: 1, peer_pod: r1, local_intf: eth1, local_ip: 12.12.12.2/24, peer_intf: eth1, peer_ip: 12.12.12.1/24}
            - {uid: 3, peer_pod: r3, local_intf: eth2, local_ip: 23.23.23.2/24, peer_intf: eth2, peer_ip: 23.23.23.3/24}
        - apiVersion: networkop.co.uk/v1beta1
          kind: Topology
          metadata: {name: r3}
          spec:
            links:
            - {uid: 2, peer_pod: r1, local_intf: eth1, local_ip: 13.13.13.3/24, peer_intf: eth2, peer_ip: 13.13.13.1/24}
            - {uid: 3, peer_pod: r2, local_intf: eth2, local_ip: 23.23.23.3/24, peer_intf: eth2, peer_ip: 23.23.23.2/24}
        """;

    private static readonly Dictionary<string, string[]> TrianglePeers = new()
    {
        ["r1"] = ["12.12.12.2", "13.13.13.3"],
        ["r2"] = ["12.12.12.1", "23.23.23.3"],
        ["r3"] = ["13.13.13.1", "23.23.23.2"],
    };

    private static string TriangleWithPods() =>
        TriangleList + "\n" + string.Concat(TrianglePeers.Keys.Select(p =>
            "- " + Manifests.KnePod(p, 2).Replace("\n", "\n  ", StringComparison.Ordinal).TrimEnd() + "\n"));

    [SkippableFact]
    public void Apply_V1ListOfTopologiesAndPods_EveryLinkPings()
    {
        Harness.SkipUnlessAvailable();
        using var ns = new TestNamespace("list");

        Kubectl.Apply(ns, TriangleWithPods());
        Kubectl.WaitAllReady(ns, 3, TimeSpan.FromMinutes(3));

        foreach (var (pod, peers) in TrianglePeers)
        {
            Assert.Equal(["eth0", "eth1", "eth2"], PodLinks.Interfaces(ns, pod));
            Assert.Empty(PodLinks.Unreachable(ns, pod, peers));
        }
    }

    [SkippableFact]
    public void Apply_ParallelLinksInAnotherNamespaceWithTheSamePodNames_BothLabsPingIndependently()
    {
        Harness.SkipUnlessAvailable();
        using var first = new TestNamespace("par-a");
        using var second = new TestNamespace("par-b");
        var triangle = TriangleWithPods();
        // the same pod names and uids as the triangle, four links between r1 and r2
        var parallel = Lab.Pair(4);

        Kubectl.Apply(first, triangle);
        Kubectl.Apply(second, parallel.TopologiesYaml());
        Kubectl.Apply(second, parallel.PodsYaml());
        Kubectl.WaitAllReady(first, 3, TimeSpan.FromMinutes(3));
        Kubectl.WaitAllReady(second, 2, TimeSpan.FromMinutes(3));

        PodLinks.AssertEveryLinkPings(second, parallel);
        PodLinks.AssertInterfaces(second, parallel);
        Assert.Empty(PodLinks.Unreachable(first, "r1", TrianglePeers["r1"]));
        Assert.Equal(["eth0", "eth1", "eth2"], PodLinks.Interfaces(first, "r1"));
    }

    [SkippableFact]
    public void Apply_StatefulSetPods_EachOrdinalGetsItsTopologyLinks()
    {
        Harness.SkipUnlessAvailable();
        using var ns = new TestNamespace("sts");
        // r-0, r-1, r-2 in a ring: the StatefulSet names its pods, the Topologies are named after them
        var lab = new Lab(["r-0", "r-1", "r-2"], [new(0, "r-0", "eth1", "r-1", "eth1"), new(1, "r-1", "eth2", "r-2", "eth1"), new(2, "r-2", "eth2", "r-0", "eth2")]);
        var statefulSet = $"""
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: r
            spec:
              serviceName: r
              replicas: 3
              podManagementPolicy: Parallel
              selector:
                matchLabels: {"{app: r}"}
              template:
                metadata:
                  labels: {"{app: r}"}
                spec:
            {Manifests.PodSpec(2, "      ")}
            """;

        Kubectl.Apply(ns, lab.TopologiesYaml());
        Kubectl.Apply(ns, statefulSet);
        Kubectl.WaitAllReady(ns, 3, TimeSpan.FromMinutes(3));

        PodLinks.AssertEveryLinkPings(ns, lab);
        PodLinks.AssertInterfaces(ns, lab);
    }
}
