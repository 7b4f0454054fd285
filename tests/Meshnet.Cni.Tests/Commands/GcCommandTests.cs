using System.Text.Json.Nodes;
using Meshnet.Cni.Tests.Infrastructure;
using Meshnet.Protocol;
using Xunit;

namespace Meshnet.Cni.Tests.Commands;

public sealed class GcCommandTests(PluginBinary binary) : PluginTest(binary)
{
    private CniCall Gc(string version, params string[] validContainers) => new()
    {
        Command = "GC",
        ContainerId = null,
        Netns = null,
        IfName = null,
        Args = null,
        Stdin = Sandbox.Config(version, extra: c => c["cni.dev/valid-attachments"] =
            new JsonArray(validContainers.Select(id => (JsonNode)new JsonObject { ["containerID"] = id, ["ifname"] = "eth0" }).ToArray())),
    };

    [Theory]
    [MemberData(nameof(SpecVersions.WithoutStatusAndGc), MemberType = typeof(SpecVersions))]
    public void Gc_VersionBefore110_IsIncompatibleVersion(string version)
    {
        var result = Run(Gc(version));

        Assert.Equal(1u, result.ErrorCode);
    }

    [Fact]
    public async Task Gc_DaemonUp_ReceivesTheValidAttachments()
    {
        var daemon = await StartDaemonAsync();

        var result = Run(Gc("1.1.0", "aaa", "bbb"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["aaa", "bbb"], Assert.Single(daemon.Calls.GcRequests).ValidAttachments.Select(a => a.ContainerId));
    }

    [Fact]
    public void Gc_SpooledPodNoLongerAttached_IsForgotten()
    {
        Sandbox.Spool.Write(new PendingPod("lab", "gone", "old1", "/var/run/netns/x", "eth0"));

        Run(Gc("1.1.0", "alive1"));

        Assert.Null(Sandbox.Spool.Read("old1"));
    }

    [Fact]
    public void Gc_SpooledPodStillAttached_IsKept()
    {
        Sandbox.Spool.Write(new PendingPod("lab", "r1", "alive1", "/var/run/netns/x", "eth0"));

        Run(Gc("1.1.0", "alive1"));

        Assert.NotNull(Sandbox.Spool.Read("alive1"));
    }

    [Fact]
    public void Gc_DaemonDown_Succeeds()
    {
        var result = Run(Gc("1.1.0", "alive1"));

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Gc_WithoutValidAttachments_InvalidConfigAndNothingCollected()
    {
        var daemon = await StartDaemonAsync();
        Sandbox.Spool.Write(new PendingPod("lab", "r1", "alive1", "/var/run/netns/x", "eth0"));

        var result = Run(Gc("1.1.0") with { Stdin = Sandbox.Config("1.1.0") });

        Assert.Equal(7u, result.ErrorCode);
        Assert.Contains("cni.dev/valid-attachments", result.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(daemon.Calls.GcRequests);
        Assert.NotNull(Sandbox.Spool.Read("alive1"));
    }
}
