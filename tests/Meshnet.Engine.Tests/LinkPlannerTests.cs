using Meshnet.Model;
using Xunit;

namespace Meshnet.Engine.Tests;

public sealed class LinkPlannerTests
{
    private static Topology Pod(string name, string? netns, params Link[] links) => new()
    {
        Namespace = "lab",
        Name = name,
        Spec = new TopologySpec { Links = links },
        Status = netns is null ? new TopologyStatus() : new TopologyStatus { NetNs = netns, SrcIp = "127.0.0.1" },
    };

    private static Link L(int uid, string peer, string li, string pi, string? lip = null, string? pip = null) =>
        new() { Uid = uid, PeerPod = peer, LocalIntf = li, PeerIntf = pi, LocalIp = lip, PeerIp = pip };

    private static LinkPlan Plan(params Topology[] pods) => LinkPlanner.Plan(pods, pods.ToDictionary(p => p.Key));

    [Fact]
    public void Plan_BothEndsAlive_PlansOneVethOwnedByTheFirstEnd()
    {
        var b = Pod("b", "/ns/b", L(0, "a", "eth1", "eth9", "10.0.0.2/24", "10.0.0.1/24"));
        var a = Pod("a", "/ns/a", L(0, "b", "eth9", "eth1", "10.0.0.1/24", "10.0.0.2/24"));

        var veth = Assert.IsType<PlannedVeth>(Assert.Single(Plan(b, a).Links));

        Assert.Equal(("a", "eth9", "/ns/a"), (veth.Owner.Pod.Name, veth.Owner.Intf, veth.Owner.NetNsPath));
        Assert.Equal(("b", "eth1"), (veth.Peer.Pod.Name, veth.Peer.Intf));
        Assert.Equal("10.0.0.2/24", Assert.Single(veth.Peer.Addresses).ToString());
        Assert.Equal(1500, veth.Mtu);
    }

    [Fact]
    public void Plan_InputOrder_DoesNotChangeTheOwner()
    {
        var a = Pod("a", "/ns/a", L(3, "b", "eth1", "eth1"));
        var b = Pod("b", "/ns/b", L(3, "a", "eth1", "eth1"));

        Assert.Equal(Plan(a, b).Links, Plan(b, a).Links);
    }

    [Fact]
    public void Plan_PeerNotRunning_IsPending()
    {
        var a = Pod("a", "/ns/a", L(0, "b", "eth1", "eth1"));
        var b = Pod("b", null, L(0, "a", "eth1", "eth1"));

        var plan = Plan(a, b);

        Assert.Empty(plan.Links);
        var pending = Assert.Single(plan.Pending);
        Assert.Equal(("a", 0, "eth1"), (pending.Pod.Name, pending.Uid, pending.Intf));
    }

    [Fact]
    public void Plan_LocalhostPeer_PlansAMacvlanOnTheHostInterface()
    {
        var a = Pod("a", "/ns/a", L(5, Link.LocalhostPeer, "ext0", "uplink0", "192.168.0.5/24"));

        var mac = Assert.IsType<PlannedMacvlan>(Assert.Single(Plan(a).Links));

        Assert.Equal(("uplink0", "ext0"), (mac.ParentIntf, mac.End.Intf));
    }

    [Fact]
    public void Plan_PodLinkedToItself_PlansOneVethInsideIt()
    {
        var a = Pod("a", "/ns/a", L(1, "a", "eth1", "eth2"), L(1, "a", "eth2", "eth1"));

        var veth = Assert.IsType<PlannedVeth>(Assert.Single(Plan(a).Links));

        Assert.Equal(("eth1", "eth2"), (veth.Owner.Intf, veth.Peer.Intf));
        Assert.Equal(veth.Owner.NetNsPath, veth.Peer.NetNsPath);
    }

    [Fact]
    public void Plan_ZeroUid_IsAValidLink()
    {
        var a = Pod("a", "/ns/a", L(0, "b", "eth1", "eth1"));
        var b = Pod("b", "/ns/b", L(0, "a", "eth1", "eth1"));

        Assert.Equal(0, Assert.Single(Plan(a, b).Links).Uid);
    }
}
