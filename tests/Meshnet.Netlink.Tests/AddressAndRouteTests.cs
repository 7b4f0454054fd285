using System.Net;
using System.Net.Sockets;

namespace Meshnet.Netlink.Tests;

public sealed class AddressAndRouteTests
{
    /// <summary>Two namespaces joined by eth1 &lt;-&gt; eth1, both up.</summary>
    private static (ScratchNamespace A, ScratchNamespace B) Pair()
    {
        var a = new ScratchNamespace();
        var b = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "eth1", PeerName = "eth1", PeerNamespace = b.Ns, Up = true, PeerUp = true });
        return (a, b);
    }

    [SkippableFact]
    public void AddrAdd_Ipv4AndIpv6_AddrListReturnsBoth()
    {
        ScratchNamespace.RequireRoot();
        var (a, b) = Pair();
        using var _ = a;
        using var __ = b;
        var index = a.Nl.LinkByName("eth1").Index;

        a.Nl.AddrAdd(index, IpPrefix.Parse("10.1.0.1/24"));
        a.Nl.AddrAdd(index, IpPrefix.Parse("fd00::1/64"));

        var addresses = a.Nl.AddrList(index).Where(x => x.Scope == RouteScopes.Universe).Select(x => x.Address.ToString()).Order();
        Assert.Equal(["10.1.0.1/24", "fd00::1/64"], addresses);
        Assert.Contains("inet 10.1.0.1/24", a.Exec("ip", "addr", "show", "eth1").Stdout);
    }

    [SkippableFact]
    public void AddrDel_Existing_RemovesAddress()
    {
        ScratchNamespace.RequireRoot();
        var (a, b) = Pair();
        using var _ = a;
        using var __ = b;
        var index = a.Nl.LinkByName("eth1").Index;
        a.Nl.AddrAdd(index, IpPrefix.Parse("10.1.0.1/24"));

        a.Nl.AddrDel(index, IpPrefix.Parse("10.1.0.1/24"));

        Assert.DoesNotContain(a.Nl.AddrList(index), x => x.Address.Family == AddressFamily.InterNetwork);
    }

    [SkippableFact]
    public void AddrAdd_BothEndsOfVeth_PingSucceedsOverIpv4()
    {
        ScratchNamespace.RequireRoot();
        var (a, b) = Pair();
        using var _ = a;
        using var __ = b;

        a.Nl.AddrAdd(a.Nl.LinkByName("eth1").Index, IpPrefix.Parse("10.1.0.1/24"));
        b.Nl.AddrAdd(b.Nl.LinkByName("eth1").Index, IpPrefix.Parse("10.1.0.2/24"));

        Assert.True(a.Exec("ping", "-c1", "-W2", "10.1.0.2").ExitCode == 0);
    }

    [SkippableFact]
    public void AddrAdd_BothEndsOfVeth_PingSucceedsOverIpv6WithoutDadDelay()
    {
        ScratchNamespace.RequireRoot();
        var (a, b) = Pair();
        using var _ = a;
        using var __ = b;

        a.Nl.AddrAdd(a.Nl.LinkByName("eth1").Index, IpPrefix.Parse("fd00::1/64"));
        b.Nl.AddrAdd(b.Nl.LinkByName("eth1").Index, IpPrefix.Parse("fd00::2/64"));

        Assert.DoesNotContain("tentative", a.Exec("ip", "-6", "addr", "show", "eth1", "scope", "global").Stdout);
        Assert.True(a.Exec("ping", "-6", "-c1", "-W2", "fd00::2").ExitCode == 0);
    }

    [SkippableFact]
    public void RouteAdd_ViaGateway_RouteListAndPingSeeIt()
    {
        ScratchNamespace.RequireRoot();
        var (a, b) = Pair();
        using var _ = a;
        using var __ = b;
        var aIndex = a.Nl.LinkByName("eth1").Index;
        a.Nl.AddrAdd(aIndex, IpPrefix.Parse("10.1.0.1/24"));
        var bIndex = b.Nl.LinkByName("eth1").Index;
        b.Nl.AddrAdd(bIndex, IpPrefix.Parse("10.1.0.2/24"));
        b.Nl.AddrAdd(bIndex, IpPrefix.Parse("10.9.9.9/32"));

        a.Nl.RouteAdd(new RouteSpec { Destination = IpPrefix.Parse("10.9.9.0/24"), Gateway = IPAddress.Parse("10.1.0.2"), OutIndex = aIndex, Metric = 7 });

        var route = Assert.Single(a.Nl.RouteList(), r => r.Destination.ToString() == "10.9.9.0/24");
        Assert.Equal((IPAddress.Parse("10.1.0.2"), aIndex, 7), (route.Gateway, route.OutIndex, route.Metric));
        Assert.Contains("10.9.9.0/24 via 10.1.0.2 dev eth1", a.Exec("ip", "route").Stdout);
        Assert.True(a.Exec("ping", "-c1", "-W2", "10.9.9.9").ExitCode == 0);
    }

    [SkippableFact]
    public void RouteDel_Existing_RemovesRoute()
    {
        ScratchNamespace.RequireRoot();
        var (a, b) = Pair();
        using var _ = a;
        using var __ = b;
        var index = a.Nl.LinkByName("eth1").Index;
        var route = new RouteSpec { Destination = IpPrefix.Parse("fd09::/64"), OutIndex = index };
        a.Nl.RouteAdd(route);

        a.Nl.RouteDel(route);

        Assert.DoesNotContain(a.Nl.RouteList(AddressFamily.InterNetworkV6), r => r.Destination.ToString() == "fd09::/64");
    }

    [SkippableFact]
    public void RouteAdd_DefaultRoute_ListedWithZeroPrefix()
    {
        ScratchNamespace.RequireRoot();
        var (a, b) = Pair();
        using var _ = a;
        using var __ = b;
        var index = a.Nl.LinkByName("eth1").Index;
        a.Nl.AddrAdd(index, IpPrefix.Parse("10.1.0.1/24"));

        a.Nl.RouteAdd(new RouteSpec { Destination = IpPrefix.Parse("0.0.0.0/0"), Gateway = IPAddress.Parse("10.1.0.2") });

        Assert.Contains("default via 10.1.0.2 dev eth1", a.Exec("ip", "route").Stdout);
        Assert.Contains(a.Nl.RouteList(), r => r.Destination.PrefixLength == 0 && Equals(r.Gateway, IPAddress.Parse("10.1.0.2")));
    }
}
