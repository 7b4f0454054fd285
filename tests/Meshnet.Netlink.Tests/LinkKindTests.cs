using System.Net;

namespace Meshnet.Netlink.Tests;

public sealed class LinkKindTests
{
    [SkippableFact]
    public void LinkAdd_VxlanInPodsWithSocketsInNodeNamespaces_PingCrossesTheUnderlay()
    {
        ScratchNamespace.RequireRoot();
        using var node1 = new ScratchNamespace();
        using var node2 = new ScratchNamespace();
        using var pod1 = new ScratchNamespace();
        using var pod2 = new ScratchNamespace();
        node1.Nl.LinkAdd(new Veth { Name = "under", PeerName = "under", PeerNamespace = node2.Ns, Up = true, PeerUp = true });
        node1.Nl.AddrAdd(node1.Nl.LinkByName("under").Index, IpPrefix.Parse("192.168.77.1/24"));
        node2.Nl.AddrAdd(node2.Nl.LinkByName("under").Index, IpPrefix.Parse("192.168.77.2/24"));

        // Node 1 sends from its own namespace with the device placed in the pod; pod 2's handle names node 2 as the underlay.
        node1.Nl.LinkAdd(new Vxlan { Name = "eth1", Vni = 4242, Remote = IPAddress.Parse("192.168.77.2"), Local = IPAddress.Parse("192.168.77.1"), Namespace = pod1.Ns, Up = true });
        pod2.Nl.LinkAdd(new Vxlan { Name = "eth1", Vni = 4242, Remote = IPAddress.Parse("192.168.77.1"), LinkNamespace = node2.Ns, Up = true });
        pod1.Nl.AddrAdd(pod1.Nl.LinkByName("eth1").Index, IpPrefix.Parse("10.5.0.1/24"));
        pod2.Nl.AddrAdd(pod2.Nl.LinkByName("eth1").Index, IpPrefix.Parse("10.5.0.2/24"));

        Assert.Equal(4242, pod2.Nl.LinkByName("eth1").VxlanId);
        Assert.True(pod1.Exec("ping", "-c1", "-W2", "10.5.0.2").ExitCode == 0);
    }

    [SkippableFact]
    public void LinkAdd_MacvlanOnVethParent_CreatesMacvlanOverParent()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "parent0", PeerName = "parent1" });
        var parent = a.Nl.LinkByName("parent0").Index;

        a.Nl.LinkAdd(new Macvlan { Name = "mac0", ParentIndex = parent, Mode = MacvlanMode.Bridge });

        var link = a.Nl.LinkByName("mac0");
        Assert.Equal(("macvlan", parent), (link.Kind, link.ParentIndex));
        Assert.Contains("macvlan mode bridge", a.Exec("ip", "-d", "link", "show", "mac0").Stdout);
    }

    [SkippableFact]
    public void LinkAdd_MacvlanInOtherNamespace_CreatedThereOverParentHere()
    {
        ScratchNamespace.RequireRoot();
        using var host = new ScratchNamespace();
        using var pod = new ScratchNamespace();
        host.Nl.LinkAdd(new Veth { Name = "parent0", PeerName = "parent1" });

        host.Nl.LinkAdd(new Macvlan { Name = "eth1", ParentIndex = host.Nl.LinkByName("parent0").Index, Namespace = pod.Ns });

        Assert.Equal("macvlan", pod.Nl.LinkByName("eth1").Kind);
    }

    [SkippableFact]
    public void LinkAdd_PersistentTap_OutlivesTheCallWithItsAttributes()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();

        a.Nl.LinkAdd(new Tap { Name = "tap0", Mtu = 1400, Up = true });

        var link = a.Nl.LinkByName("tap0");
        Assert.Equal(("tun", 1400, true), (link.Kind, link.Mtu, link.IsUp));
        Assert.Contains("tun type tap pi off vnet_hdr off persist on", a.Exec("ip", "-d", "link", "show", "tap0").Stdout);
    }

    [SkippableFact]
    public void CreatePersistent_SeveralNames_MakesEachPersistentTapAndFailsOnlyTheBadName()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();

        var errors = TapDevice.CreatePersistent(a.Ns, ["tap1", "a-name-far-too-long", "tap2"]);

        Assert.Null(errors[0]);
        Assert.NotNull(errors[1]);
        Assert.Null(errors[2]);
        Assert.Equal(["tun", "tun"], new[] { a.Nl.LinkByName("tap1").Kind, a.Nl.LinkByName("tap2").Kind });
        Assert.Contains("persist on", a.Exec("ip", "-d", "link", "show", "tap2").Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void TapDeviceOpen_PersistentTap_AttachesAndCarriesLowerUp()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Tap { Name = "tap0", Up = true });

        using var fd = TapDevice.Open("tap0", a.Ns);

        Assert.False(fd.IsInvalid);
        Assert.True(a.Nl.LinkByName("tap0").IsLowerUp);
    }

    [SkippableFact]
    public void LinkAdd_Bridge_CreatesBridge()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();

        a.Nl.LinkAdd(new Bridge { Name = "br0", Up = true });

        Assert.Equal("bridge", a.Nl.LinkByName("br0").Kind);
    }

    [SkippableFact]
    public void DisableOffloads_Veth_TurnsOffTxChecksumming()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "off0", PeerName = "off1" });
        var before = Ethtool.IsTxChecksumOn(a.Ns, "off0");

        a.Nl.DisableOffloads("off0");

        Assert.True(before);
        Assert.False(Ethtool.IsTxChecksumOn(a.Ns, "off0"));
        Assert.False(Ethtool.IsTsoOn(a.Ns, "off0"));
        Skip.IfNot(Meshnet.Testing.Cmd.Exists("ethtool"), "ethtool not installed for the cross-check");
        Assert.Contains("tx-checksumming: off", a.Exec("ethtool", "-k", "off0").Stdout);
    }
}
