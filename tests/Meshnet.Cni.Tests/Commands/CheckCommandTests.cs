using Meshnet.Cni.Tests.Infrastructure;
using Meshnet.Protocol.V1;
using Xunit;

namespace Meshnet.Cni.Tests.Commands;

public sealed class CheckCommandTests(PluginBinary binary) : PluginTest(binary)
{
    private CniCall Check(string version) =>
        new() { Command = "CHECK", Stdin = Sandbox.Config(version, SpecVersions.PrevResult(version)) };

    [Theory]
    [MemberData(nameof(SpecVersions.WithoutCheck), MemberType = typeof(SpecVersions))]
    public void Check_VersionBefore040_IsIncompatibleVersion(string version)
    {
        var result = Run(Check(version));

        Assert.Equal(1u, result.ErrorCode);
        Assert.Equal("config version does not allow CHECK", result.ErrorMessage);
    }

    [Theory]
    [MemberData(nameof(SpecVersions.WithCheck), MemberType = typeof(SpecVersions))]
    public async Task Check_DaemonSaysHealthy_Succeeds(string version)
    {
        var daemon = await StartDaemonAsync();
        daemon.Reply = _ => new CniReply { HasTopology = true };

        var result = Run(Check(version));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Check", Assert.Single(daemon.Calls.Requests).Method);
    }

    [Fact]
    public async Task Check_DaemonFindsADifference_PrintsThatError()
    {
        var daemon = await StartDaemonAsync();
        daemon.Reply = _ => new CniReply { HasTopology = true, ErrorCode = 110, ErrorMsg = "link eth1 missing" };

        var result = Run(Check("1.0.0"));

        Assert.Equal(110u, result.ErrorCode);
    }

    [Fact]
    public void Check_DaemonDownPodInIndex_AsksToTryAgainLater()
    {
        Sandbox.WriteIndex(("lab", "r1"));

        var result = Run(Check("1.0.0"));

        Assert.Equal(11u, result.ErrorCode);
    }

    [Fact]
    public void Check_DaemonDownPodNotInIndex_Succeeds()
    {
        Sandbox.WriteIndex();

        var result = Run(Check("1.0.0"));

        Assert.Equal(0, result.ExitCode);
    }
}
