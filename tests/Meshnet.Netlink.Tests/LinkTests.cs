using System.Net.NetworkInformation;

namespace Meshnet.Netlink.Tests;

public sealed class LinkTests
{
    [SkippableFact]
    public void LinkAdd_VethWithPeerInOtherNamespace_BothEndsExistWithSameName()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        using var b = new ScratchNamespace();

        a.Nl.LinkAdd(new Veth { Name = "eth1", PeerName = "eth1", PeerNamespace = b.Ns });

        Assert.Equal("veth", a.Nl.LinkByName("eth1").Kind);
        Assert.Equal("veth", b.Nl.LinkByName("eth1").Kind);
        Assert.Contains("eth1@", b.IpLink("eth1"));
    }

    [SkippableFact]
    public void LinkAdd_CommonAttributes_AppliedAtCreationOnBothEnds()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        using var b = new ScratchNamespace();
        var mac = PhysicalAddress.Parse("02-00-00-00-00-0A");
        var peerMac = PhysicalAddress.Parse("02-00-00-00-00-0B");

        a.Nl.LinkAdd(new Veth
        {
            Name = "eth1", Mtu = 9000, HardwareAddr = mac, Up = true,
            PeerName = "eth2", PeerNamespace = b.Ns, PeerHardwareAddr = peerMac, PeerUp = true,
        });

        var local = a.Nl.LinkByName("eth1");
        var peer = b.Nl.LinkByName("eth2");
        Assert.Equal((9000, mac, true), (local.Mtu, local.HardwareAddr, local.IsUp));
        Assert.Equal((9000, peerMac, true), (peer.Mtu, peer.HardwareAddr, peer.IsUp));
        Assert.True(a.Nl.LinkByName("eth1").IsLowerUp);
    }

    [SkippableFact]
    public void LinkAdd_NamespaceSet_CreatesDirectlyInThatNamespace()
    {
        ScratchNamespace.RequireRoot();
        using var handleNs = new ScratchNamespace();
        using var target = new ScratchNamespace();

        handleNs.Nl.LinkAdd(new Veth { Name = "v0", PeerName = "v1", Namespace = target.Ns });

        Assert.False(handleNs.Nl.TryLinkByName("v0", out _));
        Assert.Contains("v0@", target.IpLink("v0"));
        Assert.Contains("v1@", target.IpLink("v1"));
    }

    [SkippableFact]
    public void LinkAdd_DuplicateName_ThrowsEexistWithOperationAndName()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "dup0", PeerName = "dup1" });

        var error = Assert.Throws<NetlinkException>(() => a.Nl.LinkAdd(new Veth { Name = "dup0", PeerName = "dup2" }));

        Assert.Equal(17, error.Errno);
        Assert.StartsWith("LinkAdd dup0: File exists (errno 17)", error.Message);
    }

    [SkippableFact]
    public void LinkSetMtu_AboveDeviceMaximum_ThrowsEinvalWithKernelExtAck()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "m0", PeerName = "m1" });
        var index = a.Nl.LinkByName("m0").Index;

        var error = Assert.Throws<NetlinkException>(() => a.Nl.LinkSetMtu(index, 1 << 20));

        Assert.Equal(22, error.Errno);
        Assert.False(string.IsNullOrEmpty(error.ExtAck));
        Assert.EndsWith($": {error.ExtAck}", error.Message);
    }

    [SkippableFact]
    public void LinkByName_Missing_ThrowsLinkNotFound()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();

        var error = Assert.Throws<LinkNotFoundException>(() => a.Nl.LinkByName("nope0"));

        Assert.Equal(19, error.Errno);
    }

    [SkippableFact]
    public void LinkByIndex_Missing_ThrowsLinkNotFound()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();

        Assert.Throws<LinkNotFoundException>(() => a.Nl.LinkByIndex(987654));
    }

    [SkippableFact]
    public void LinkDel_Missing_ThrowsLinkNotFound()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();

        Assert.Throws<LinkNotFoundException>(() => a.Nl.LinkDel("nope0"));
    }

    [SkippableFact]
    public void LinkDel_ByName_RemovesBothVethEnds()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "d0", PeerName = "d1" });

        a.Nl.LinkDel("d0");

        Assert.False(a.Nl.TryLinkByName("d0", out _));
        Assert.False(a.Nl.TryLinkByName("d1", out _));
    }

    [SkippableFact]
    public void LinkDel_ByIndex_RemovesLink()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "d0", PeerName = "d1" });

        a.Nl.LinkDel(a.Nl.LinkByName("d1").Index);

        Assert.False(a.Nl.TryLinkByName("d0", out _));
    }

    [SkippableFact]
    public void LinkByIndex_Existing_ReturnsSameLinkAsByName()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "i0", PeerName = "i1" });
        var byName = a.Nl.LinkByName("i0");

        Assert.Equal(byName, a.Nl.LinkByIndex(byName.Index));
    }

    [SkippableFact]
    public void LinkList_AfterVethAdd_ContainsLoopbackAndBothEnds()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "l0", PeerName = "l1" });

        var names = a.Nl.LinkList().Select(l => l.Name).Order().ToArray();

        Assert.Equal(["l0", "l1", "lo"], names);
    }

    [SkippableFact]
    public void LinkSetUpAndDown_Veth_FlagFollows()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "u0", PeerName = "u1" });
        var index = a.Nl.LinkByName("u0").Index;

        a.Nl.LinkSetUp(index);
        var up = a.Nl.LinkByIndex(index).IsUp;
        a.Nl.LinkSetDown(index);

        Assert.True(up);
        Assert.False(a.Nl.LinkByIndex(index).IsUp);
        Assert.Contains("state DOWN", a.IpLink("u0"));
    }

    [SkippableFact]
    public void LinkSetMtu_Veth_IpShowsNewMtu()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "m0", PeerName = "m1" });

        a.Nl.LinkSetMtu(a.Nl.LinkByName("m0").Index, 1400);

        Assert.Contains("mtu 1400", a.IpLink("m0"));
    }

    [SkippableFact]
    public void LinkSetHardwareAddr_Veth_IpShowsNewMac()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "h0", PeerName = "h1" });

        a.Nl.LinkSetHardwareAddr(a.Nl.LinkByName("h0").Index, PhysicalAddress.Parse("02-11-22-33-44-55"));

        Assert.Contains("link/ether 02:11:22:33:44:55", a.IpLink("h0"));
    }

    [SkippableFact]
    public void LinkSetName_DownVeth_RenamesIt()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "old0", PeerName = "old1" });
        var index = a.Nl.LinkByName("old0").Index;

        a.Nl.LinkSetName(index, "new0");

        Assert.Equal("new0", a.Nl.LinkByIndex(index).Name);
    }

    [SkippableFact]
    public void LinkSetNsFd_Veth_MovesToTargetNamespace()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        using var b = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "mv0", PeerName = "mv1" });

        a.Nl.LinkSetNsFd(a.Nl.LinkByName("mv1").Index, b.Ns);

        Assert.False(a.Nl.TryLinkByName("mv1", out _));
        Assert.True(b.Nl.TryLinkByName("mv1", out var moved));
        Assert.Equal("veth", moved!.Kind);
    }

    [SkippableFact]
    public void LinkByName_VethWithPeerElsewhere_ReportsPeerNetNsId()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        using var b = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "p0", PeerName = "p1", PeerNamespace = b.Ns });

        var link = a.Nl.LinkByName("p0");

        Assert.NotNull(link.PeerNetNsId);
        Assert.Equal(b.Nl.LinkByName("p1").Index, link.ParentIndex);
    }
}
