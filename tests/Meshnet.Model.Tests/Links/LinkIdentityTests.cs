namespace Meshnet.Model.Tests.Links;

public class LinkIdentityTests
{
    private static Topology T(string name, Link link) =>
        new() { Namespace = "lab1", Name = name, Spec = new TopologySpec { Links = [link] } };

    [Fact]
    public void Owner_TwoEnds_IsTheEndThatSortsFirstFromBothSides()
    {
        var a = T("r2", new Link { Uid = 1, PeerPod = "r1", LocalIntf = "eth1", PeerIntf = "eth9" });
        var b = T("r1", new Link { Uid = 1, PeerPod = "r2", LocalIntf = "eth9", PeerIntf = "eth1" });

        var expected = new LinkEnd(new PodKey("lab1", "r1"), "eth9");
        Assert.Equal(expected, LinkIdentity.Owner(a, a.Spec.Links[0]));
        Assert.Equal(expected, LinkIdentity.Owner(b, b.Spec.Links[0]));
    }

    [Fact]
    public void Owner_SamePod_IsTheInterfaceThatSortsFirst()
    {
        var t = T("r1", new Link { Uid = 1, PeerPod = "r1", LocalIntf = "eth2", PeerIntf = "eth10" });

        Assert.Equal("eth10", LinkIdentity.Owner(t, t.Spec.Links[0]).Intf);
        Assert.False(LinkIdentity.IsOwner(t, t.Spec.Links[0]));
    }

    [Fact]
    public void Owner_Macvlan_IsLocalEnd()
    {
        var t = T("r9", new Link { Uid = 1, PeerPod = "localhost", LocalIntf = "eth1", PeerIntf = "enp0s3" });

        Assert.True(LinkIdentity.IsOwner(t, t.Spec.Links[0]));
        Assert.Null(LinkIdentity.Remote(t, t.Spec.Links[0]));
    }
}
