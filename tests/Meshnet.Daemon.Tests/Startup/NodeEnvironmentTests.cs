using Meshnet.Testing;
using Xunit;

namespace Meshnet.Daemon.Tests.Startup;

/// <summary>The DaemonSet's environment as DESIGN.md names it: HOST_INTF picks the node address, INTER_NODE_LINK_TYPE is checked.</summary>
public sealed class NodeEnvironmentTests
{
    [SkippableFact]
    public void Detect_HostIntfGiven_UsesItsFirstIpv4AddressNotTheDefaultRoutes()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var node = TempNetns.Create();
        node.Exec("ip", "link", "add", "up0", "type", "veth", "peer", "name", "up1").EnsureSuccess();
        node.Exec("ip", "addr", "add", "192.0.2.7/24", "dev", "up0").EnsureSuccess();
        node.Exec("ip", "addr", "add", "198.51.100.9/24", "dev", "up1").EnsureSuccess();
        node.Exec("ip", "link", "set", "up1", "up").EnsureSuccess();
        node.Exec("ip", "route", "add", "default", "via", "198.51.100.1", "dev", "up1").EnsureSuccess();

        Assert.Equal("192.0.2.7", NodeAddress.Detect("up0", node.Path));
        Assert.Equal("198.51.100.9", NodeAddress.Detect(null, node.Path));
    }

    [SkippableFact]
    public void Detect_HostIntfMissing_SaysSo()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var node = TempNetns.Create();

        var e = Assert.Throws<InvalidOperationException>(() => NodeAddress.Detect("eth9", node.Path));

        Assert.Equal("HOST_INTF \"eth9\": no such interface on this node", e.Message);
    }

    [SkippableFact]
    public void Detect_HostIntfWithoutIpv4_AsksForHostIp()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var node = TempNetns.Create();
        node.Exec("ip", "link", "add", "bare0", "type", "veth", "peer", "name", "bare1").EnsureSuccess();

        var e = Assert.Throws<InvalidOperationException>(() => NodeAddress.Detect("bare0", node.Path));

        Assert.Contains("has no IPv4 address; set HOST_IP", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("VXLAN")]
    [InlineData("vxlan")]
    public void ParseInterNodeLinkType_VxlanOrUnset_IsVxlan(string? value) => Assert.Equal(InterNodeLinkType.Vxlan, Program.ParseInterNodeLinkType(value));

    [Theory]
    [InlineData("GRPC")]
    [InlineData("grpc")]
    public void ParseInterNodeLinkType_Grpc_IsGrpc(string value) => Assert.Equal(InterNodeLinkType.Grpc, Program.ParseInterNodeLinkType(value));

    [Fact]
    public void ParseInterNodeLinkType_Other_NamesTheChoices()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Program.ParseInterNodeLinkType("geneve"));

        Assert.Equal("INTER_NODE_LINK_TYPE=\"geneve\": must be VXLAN or GRPC", e.Message);
    }

    [SkippableFact]
    public void Meshnetd_InterNodeLinkTypeGrpcWithTheNodeApiOff_ExitsTwoWithTheReason()
    {
        Skip.IfNot(File.Exists(Integration.Binaries.Daemon), "dist/meshnetd is not built (./build.sh)");

        var r = Cmd.Run(Integration.Binaries.Daemon, ["--store", "sqlite:/nonexistent/never-opened.db", "--node", "n1", "--node-ip", "192.0.2.1", "--grpc-port", "0"], stdin: null,
            env: new Dictionary<string, string> { ["INTER_NODE_LINK_TYPE"] = "GRPC" });

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("INTER_NODE_LINK_TYPE=GRPC", r.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Meshnetd_InterNodeLinkTypeUnknown_ExitsTwoNamingTheChoices()
    {
        Skip.IfNot(File.Exists(Integration.Binaries.Daemon), "dist/meshnetd is not built (./build.sh)");

        var r = Cmd.Run(Integration.Binaries.Daemon, ["--store", "sqlite:/nonexistent/never-opened.db", "--node", "n1", "--node-ip", "192.0.2.1", "--inter-node-link-type", "geneve"]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("must be VXLAN or GRPC", r.Stderr, StringComparison.Ordinal);
    }
}
