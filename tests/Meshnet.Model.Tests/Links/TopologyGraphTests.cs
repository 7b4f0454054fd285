namespace Meshnet.Model.Tests.Links;

public class TopologyGraphTests
{
    private static Topology T(string name, params Link[] links) =>
        new() { Namespace = "lab1", Name = name, Spec = new TopologySpec { Links = links } };

    private static Link L(int uid, string peer, string local = "eth1", string peerIntf = "eth1") =>
        new() { Uid = uid, PeerPod = peer, LocalIntf = local, PeerIntf = peerIntf };

    [Fact]
    public void PeerOf_BothEndsDeclared_ReturnsOtherEnd()
    {
        var r1 = T("r1", L(1, "r2"));
        var r2 = T("r2", L(1, "r1"));
        var graph = new TopologyGraph([r1, r2]);

        var peer = graph.PeerOf(r1, r1.Spec.Links[0]);

        Assert.Equal(r2, peer?.Topology);
    }

    [Fact]
    public void PeerOf_PeerNotDeclared_ReturnsNull()
    {
        var r1 = T("r1", L(1, "r2"));

        Assert.Null(new TopologyGraph([r1]).PeerOf(r1, r1.Spec.Links[0]));
    }

    [Fact]
    public void PeerOf_PeerDisagreesOnInterface_ReturnsNull()
    {
        var r1 = T("r1", L(1, "r2"));
        var graph = new TopologyGraph([r1, T("r2", L(1, "r1", peerIntf: "eth7"))]);

        Assert.Null(graph.PeerOf(r1, r1.Spec.Links[0]));
    }

    [Fact]
    public void PeerOf_LinkToOwnPod_ReturnsOtherInterface()
    {
        var r1 = T("r1", L(1, "r1", "eth1", "eth2"), L(1, "r1", "eth2", "eth1"));

        Assert.Equal("eth2", new TopologyGraph([r1]).PeerOf(r1, r1.Spec.Links[0])?.Link.LocalIntf);
    }

    [Fact]
    public void PeerOf_SameUidOtherNamespace_IsNotAPeer()
    {
        var r1 = T("r1", L(1, "r2"));
        var graph = new TopologyGraph([r1, T("r2", L(1, "r1")) with { Namespace = "lab2" }]);

        Assert.Null(graph.PeerOf(r1, r1.Spec.Links[0]));
    }

    [Fact]
    public void Remove_Peer_LinkBecomesPending()
    {
        var r1 = T("r1", L(1, "r2"));
        var graph = new TopologyGraph([r1, T("r2", L(1, "r1"))]);

        Assert.True(graph.Remove(new PodKey("lab1", "r2")));

        Assert.Null(graph.PeerOf(r1, r1.Spec.Links[0]));
        Assert.DoesNotContain(graph.EndsOf(new LinkKey("lab1", 1)), e => e.Topology.Name == "r2");
    }

    [Fact]
    public void Upsert_ReplacedObject_DropsItsOldEnds()
    {
        var graph = new TopologyGraph([T("r1", L(1, "r2"))]);

        graph.Upsert(T("r1", L(2, "r2")));

        Assert.Empty(graph.EndsOf(new LinkKey("lab1", 1)));
        Assert.Single(graph.EndsOf(new LinkKey("lab1", 2)));
        Assert.Equal(1, graph.Count);
    }
}
