using Meshnet.Model;
using Meshnet.Netlink;
using Meshnet.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Meshnet.Engine.Tests;

/// <summary>The engine against the real kernel, in throwaway namespaces.</summary>
public sealed class LinkEngineTests : IDisposable
{
    private readonly string _a = "mn-eng-a-" + Guid.NewGuid().ToString("N")[..8];
    private readonly string _b = "mn-eng-b-" + Guid.NewGuid().ToString("N")[..8];
    private readonly LinkEngine _engine = new(NullLogger<LinkEngine>.Instance);

    public LinkEngineTests()
    {
        if (Cmd.IsRoot)
        {
            Cmd.Run("ip", "netns", "add", _a).EnsureSuccess();
            Cmd.Run("ip", "netns", "add", _b).EnsureSuccess();
        }
    }

    private PlannedVeth Veth(int uid, string intf, string ipA, string ipB, int mtu = 1500) => new(
        "lab", uid, mtu,
        new EndpointSpec(new PodKey("lab", "a"), NetNs.PathOf(_a), intf, [IpPrefix.Parse(ipA)], null),
        new EndpointSpec(new PodKey("lab", "b"), NetNs.PathOf(_b), intf, [IpPrefix.Parse(ipB)], null));

    [SkippableFact]
    public void Converge_NewVeth_CreatesBothEndsUpWithAddressesAndOffloadsOff()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);

        var result = _engine.Converge([Veth(0, "eth1", "10.7.0.1/24", "10.7.0.2/24", mtu: 9000)]);

        Assert.Equal(LinkState.Up, Assert.Single(result.Links).State);
        Assert.Contains("mtu 9000", Cmd.Run("ip", "-n", _b, "link", "show", "eth1").Stdout);
        Assert.True(Cmd.Ping(_a, "10.7.0.2"));
        var features = Cmd.Run("ip", "netns", "exec", _a, "ethtool", "-k", "eth1");
        // Without ethtool the offload assertions would be silently skipped: say so instead of passing.
        Skip.If(features.ExitCode != 0, "ethtool is not installed (./test.sh installs it)");
        Assert.True(features.Stdout.Contains("tx-checksumming: off", StringComparison.Ordinal), features.Stdout);
        // The summary line may stay "on" for feature bits newer than the legacy ioctl (tx-tcp-accecn-segmentation).
        Assert.Contains("tx-tcp-segmentation: off", features.Stdout);
        Assert.Contains("tx-tcp6-segmentation: off", features.Stdout);
    }

    [SkippableFact]
    public void Converge_Twice_SecondPassChangesNothing()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        PlannedLink[] links = [Veth(0, "eth1", "10.7.0.1/24", "10.7.0.2/24"), Veth(1, "eth2", "10.8.0.1/24", "10.8.0.2/24")];
        _engine.Converge(links);

        var again = _engine.Converge(links);

        Assert.Equal((0, 0), (again.Created, again.Repaired));
    }

    [SkippableFact]
    public void Converge_NameTakenByForeignDevice_FailsThatLinkAndLeavesTheDevice()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Cmd.Run("ip", "-n", _a, "link", "add", "eth1", "type", "bridge").EnsureSuccess();

        var result = _engine.Converge([Veth(0, "eth1", "10.7.0.1/24", "10.7.0.2/24"), Veth(1, "eth2", "10.8.0.1/24", "10.8.0.2/24")]);

        var failed = Assert.Single(result.Failures);
        Assert.Equal(0, failed.Link.Uid);
        Assert.Contains("bridge", failed.Error);
        Assert.Contains("bridge", Cmd.Run("ip", "-d", "-n", _a, "link", "show", "eth1").Stdout);
        Assert.True(Cmd.Ping(_a, "10.8.0.2"));
    }

    [SkippableFact]
    public void Converge_PeerEndRenamed_RebuildsThePair()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var link = Veth(0, "eth1", "10.7.0.1/24", "10.7.0.2/24");
        _engine.Converge([link]);
        Cmd.Run("ip", "-n", _b, "link", "set", "eth1", "name", "stray").EnsureSuccess();

        var result = _engine.Converge([link]);

        Assert.Equal(1, result.Created);
        Assert.True(Cmd.Ping(_a, "10.7.0.2"));
    }

    [SkippableFact]
    public void RemoveInterfaces_ManagedVeth_RemovesBothEndsAndIgnoresMissingNames()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        _engine.Converge([Veth(0, "eth1", "10.7.0.1/24", "10.7.0.2/24")]);

        var removed = _engine.RemoveInterfaces(NetNs.PathOf(_a), ["eth1", "nonexistent"]);

        Assert.Equal(1, removed);
        Assert.NotEqual(0, Cmd.Run("ip", "-n", _b, "link", "show", "eth1").ExitCode);
    }

    [SkippableFact]
    public void RemoveInterfaces_TwoOfThreeLinks_RemovesOnlyTheNamedOnesAndTheRestStillCarriesTraffic()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        _engine.Converge([Veth(0, "eth1", "10.7.0.1/24", "10.7.0.2/24"), Veth(1, "eth2", "10.8.0.1/24", "10.8.0.2/24"), Veth(2, "eth3", "10.9.0.1/24", "10.9.0.2/24")]);

        var removed = _engine.RemoveInterfaces(NetNs.PathOf(_a), ["eth1", "eth3"]);

        Assert.Equal(2, removed);
        Assert.NotEqual(0, Cmd.Run("ip", "-n", _b, "link", "show", "eth1").ExitCode);
        Assert.NotEqual(0, Cmd.Run("ip", "-n", _b, "link", "show", "eth3").ExitCode);
        Assert.True(Cmd.Ping(_a, "10.8.0.2"));
    }

    /// <summary>
    /// A VXLAN end in pod namespace _b whose node namespace is _a, where ul0 (MTU 9000) holds the node address
    /// 10.66.0.1; <paramref name="device"/> pins the underlay interface (HOST_INTF).
    /// </summary>
    private PlannedVxlan VxlanFromNodeA(string? device)
    {
        Cmd.Run("ip", "-n", _a, "link", "add", "ul0", "mtu", "9000", "type", "veth", "peer", "name", "ul0p", "mtu", "9000").EnsureSuccess();
        Cmd.Run("ip", "-n", _a, "addr", "add", "10.66.0.1/24", "dev", "ul0").EnsureSuccess();
        Cmd.Run("ip", "-n", _a, "link", "set", "ul0", "up").EnsureSuccess();
        var end = new EndpointSpec(new PodKey("lab", "p"), NetNs.PathOf(_b), "eth1", [IpPrefix.Parse("10.9.0.1/24")], null);
        return new PlannedVxlan("lab", 0, 1500, end, System.Net.IPAddress.Parse("10.66.0.1"), System.Net.IPAddress.Parse("10.66.0.2"), 4242, device);
    }

    private static LinkInfo LinkIn(string netns, string name)
    {
        using var ns = NetNs.Open(NetNs.PathOf(netns));
        using var nl = NetlinkHandle.Open(ns);
        return nl.LinkList().Single(l => l.Name == name);
    }

    [SkippableFact]
    public void Converge_VxlanWithPinnedUnderlay_TunnelIsBoundToThatInterface()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var vxlan = VxlanFromNodeA(device: "ul0");

        var result = _engine.Converge([vxlan], NetNs.PathOf(_a));

        Assert.Equal(LinkState.Up, Assert.Single(result.Links).State);
        Assert.Equal(LinkIn(_a, "ul0").Index, LinkIn(_b, "eth1").VxlanLink);
    }

    [SkippableFact]
    public void Converge_VxlanWithoutPinnedUnderlay_IsNotBoundToAnInterface()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var vxlan = VxlanFromNodeA(device: null);

        var result = _engine.Converge([vxlan], NetNs.PathOf(_a));

        Assert.Equal(LinkState.Up, Assert.Single(result.Links).State);
        Assert.Null(LinkIn(_b, "eth1").VxlanLink);
    }

    [SkippableFact]
    public void Converge_VxlanPinnedUnderlayMissing_FailsNamingHostIntfAndCreatesNothing()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var vxlan = VxlanFromNodeA(device: "nope0");

        var result = _engine.Converge([vxlan], NetNs.PathOf(_a));

        Assert.Contains("underlay interface \"nope0\" (HOST_INTF) not found", Assert.Single(result.Failures).Error, StringComparison.Ordinal);
        Assert.NotEqual(0, Cmd.Run("ip", "-n", _b, "link", "show", "eth1").ExitCode);
    }

    [SkippableFact]
    public void RemoveInterfaces_NamespaceGone_IsANoOp()
    {
        Assert.Equal(0, _engine.RemoveInterfaces("/var/run/netns/mn-does-not-exist-" + Guid.NewGuid().ToString("N"), ["eth1"]));
    }

    public void Dispose()
    {
        if (Cmd.IsRoot)
        {
            Cmd.Run("ip", "netns", "del", _a);
            Cmd.Run("ip", "netns", "del", _b);
        }
    }
}
