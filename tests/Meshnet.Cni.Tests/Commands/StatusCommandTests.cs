using Meshnet.Cni.Tests.Infrastructure;
using Meshnet.Protocol.V1;
using Xunit;

namespace Meshnet.Cni.Tests.Commands;

public sealed class StatusCommandTests(PluginBinary binary) : PluginTest(binary)
{
    private CniCall Status(string version) =>
        new() { Command = "STATUS", ContainerId = null, Netns = null, IfName = null, Args = null, Stdin = Sandbox.Config(version) };

    [Theory]
    [MemberData(nameof(SpecVersions.WithoutStatusAndGc), MemberType = typeof(SpecVersions))]
    public void Status_VersionBefore110_IsIncompatibleVersion(string version)
    {
        var result = Run(Status(version));

        Assert.Equal(1u, result.ErrorCode);
    }

    [Fact]
    public async Task Status_DaemonReady_Succeeds()
    {
        var daemon = await StartDaemonAsync();

        var result = Run(Status("1.1.0"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("1.1.0", Assert.Single(daemon.Calls.StatusRequests).CniVersion);
    }

    [Fact]
    public async Task Status_DaemonNotReady_PrintsCode50()
    {
        var daemon = await StartDaemonAsync();
        daemon.Reply = _ => new CniReply { ErrorCode = 50, ErrorMsg = "store not synced" };

        var result = Run(Status("1.1.0"));

        Assert.Equal(50u, result.ErrorCode);
    }

    [Fact]
    public void Status_DaemonDown_Succeeds()
    {
        var result = Run(Status("1.1.0"));

        Assert.Equal(0, result.ExitCode);
    }
}
