using Meshnet.Cni.Tests.Infrastructure;
using Xunit;

namespace Meshnet.Cni.Tests.Commands;

public sealed class VersionCommandTests(PluginBinary binary) : PluginTest(binary)
{
    [Fact]
    public void Version_Always_ListsEverySupportedVersion()
    {
        var result = Run(new CniCall { Command = "VERSION" });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"],
            result.Json["supportedVersions"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public void Version_Always_ReportsLatestAsCniVersion()
    {
        var result = Run(new CniCall { Command = "VERSION" });

        Assert.Equal("1.1.0", result.Json["cniVersion"]!.GetValue<string>());
    }

    [Fact]
    public void Version_GarbageStdinAndNoOtherVariables_IsIgnored()
    {
        var result = Run(new CniCall
        {
            Command = "VERSION", ContainerId = null, Netns = null, IfName = null, CniPath = null, Stdin = "{ not json",
        });

        Assert.Equal(0, result.ExitCode);
    }
}
