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
