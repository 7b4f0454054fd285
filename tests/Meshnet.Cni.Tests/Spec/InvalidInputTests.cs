using Meshnet.Cni.Tests.Infrastructure;
using Xunit;

namespace Meshnet.Cni.Tests.Spec;

/// <summary>Bad environment or config: the spec's error JSON with the code skel would give, exit code 1.</summary>
public sealed class InvalidInputTests(PluginBinary binary) : PluginTest(binary)
{
    private CniCall Add => new() { Command = "ADD", Args = null, Stdin = Sandbox.Config("1.0.0") };

    [Fact]
    public void Run_StdinNotJson_IsDecodingFailure()
    {
        var result = Run(Add with { Stdin = "this is not json" });

        Assert.Equal(6u, result.ErrorCode);
    }

    [Fact]
    public void Run_ConfigKeyOfWrongType_IsDecodingFailure()
    {
        var result = Run(Add with { Stdin = Sandbox.Config("1.0.0", extra: c => c["stateDir"] = 42) });

        Assert.Equal(6u, result.ErrorCode);
    }

    [Fact]
    public void Run_ConfigWithoutName_IsInvalidNetworkConfig()
    {
        var result = Run(Add with { Stdin = Sandbox.Config("1.0.0", extra: c => c.Remove("name")) });

        Assert.Equal(7u, result.ErrorCode);
    }

    [Fact]
    public void Run_NetworkNameWithInvalidCharacters_IsInvalidNetworkConfig()
    {
        var result = Run(Add with { Stdin = Sandbox.Config("1.0.0", extra: c => c["name"] = "bad name/x") });

        Assert.Equal(7u, result.ErrorCode);
    }

    [Fact]
    public void Run_ConfigWithoutCniVersion_IsIncompatibleVersion()
    {
        var result = Run(Add with { Stdin = Sandbox.Config("1.0.0", extra: c => c.Remove("cniVersion")) });

        Assert.Equal(1u, result.ErrorCode);
    }

    [Theory]
    [InlineData("0.2.0")]
    [InlineData("2.0.0")]
    [InlineData("banana")]
    public void Add_UnsupportedCniVersion_IsIncompatibleVersion(string version)
    {
        var result = Run(Add with { Stdin = Sandbox.Config(version) });

        Assert.Equal(1u, result.ErrorCode);
    }

    [Fact]
    public void Run_UnsupportedCniVersion_ErrorCarriesLatestVersion()
    {
        var result = Run(Add with { Stdin = Sandbox.Config("0.2.0") });

        Assert.Equal("1.1.0", result.Json["cniVersion"]!.GetValue<string>());
    }

    [Fact]
    public void Check_UnparsableCniVersion_IsDecodingFailure()
    {
        var result = Run(Add with { Command = "CHECK", Stdin = Sandbox.Config("x.y") });

        Assert.Equal(6u, result.ErrorCode);
    }

    [Fact]
    public void Run_NoCommand_IsInvalidEnvironment()
    {
        var result = Run(Add with { Command = "" });

        Assert.Equal(4u, result.ErrorCode);
        Assert.Equal("required env variables [CNI_COMMAND] missing", result.ErrorMessage);
    }

    [Fact]
    public void Run_UnknownCommand_IsInvalidEnvironment()
    {
        var result = Run(Add with { Command = "FROB" });

        Assert.Equal(4u, result.ErrorCode);
    }

    [Theory]
    [InlineData("ADD")]
    [InlineData("CHECK")]
    [InlineData("DEL")]
    public void Run_NoContainerId_IsInvalidEnvironment(string command)
    {
        var result = Run(Add with { Command = command, ContainerId = null });

        Assert.Equal(4u, result.ErrorCode);
        Assert.Contains("CNI_CONTAINERID", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ADD")]
    [InlineData("CHECK")]
    public void Run_NoNetns_IsInvalidEnvironment(string command)
    {
        var result = Run(Add with { Command = command, Netns = null });

        Assert.Equal(4u, result.ErrorCode);
        Assert.Contains("CNI_NETNS", result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_NoIfNameAndNoPath_ListsBothAsMissing()
    {
        var result = Run(Add with { IfName = null, CniPath = null });

        Assert.Equal("required env variables [CNI_IFNAME,CNI_PATH] missing", result.ErrorMessage);
    }

    [Fact]
    public void Add_ContainerIdWithInvalidCharacters_IsInvalidEnvironment()
    {
        var result = Run(Add with { ContainerId = "../etc/passwd" });

        Assert.Equal(4u, result.ErrorCode);
    }

    [Theory]
    [InlineData("this-is-16-chars")]
    [InlineData("eth/0")]
    [InlineData("..")]
    public void Add_InvalidInterfaceName_IsInvalidEnvironment(string ifName)
    {
        var result = Run(Add with { IfName = ifName });

        Assert.Equal(4u, result.ErrorCode);
    }

    [Fact]
    public void Add_MalformedCniArgs_IsInvalidEnvironment()
    {
        var result = Run(Add with { Args = "K8S_POD_NAME" });

        Assert.Equal(4u, result.ErrorCode);
    }

    [Fact]
    public void Add_OnlyPodNameWithoutNamespace_PassesThrough()
    {
        var result = Run(Add with { Args = "K8S_POD_NAME=r1" });

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void Run_Error_WritesOnlyTheErrorObjectOnStdout()
    {
        var result = Run(Add with { Stdin = "nope" });

        Assert.Equal(["cniVersion", "code", "msg", "details"], result.Json.Select(p => p.Key));
    }
}
