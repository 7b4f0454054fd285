using Meshnet.Cni.Tests.Infrastructure;
using Meshnet.Protocol;
using Meshnet.Protocol.V1;
using Xunit;

namespace Meshnet.Cni.Tests.Commands;

public sealed class DelCommandTests(PluginBinary binary) : PluginTest(binary)
{
    private CniCall Del(string version) => new() { Command = "DEL", Netns = null, Stdin = Sandbox.Config(version) };

    [Theory]
    [MemberData(nameof(SpecVersions.All), MemberType = typeof(SpecVersions))]
    public async Task Del_NetnsAlreadyGone_Succeeds(string version)
    {
        await StartDaemonAsync();

        var result = Run(Del(version));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Stdout);
    }

    [Fact]
    public async Task Del_DaemonUp_SendsThePodWithEmptyNetns()
    {
        var daemon = await StartDaemonAsync();

        Run(Del("1.0.0"));

        var (method, request) = Assert.Single(daemon.Calls.Requests);
        Assert.Equal("Del", method);
        Assert.Equal(("lab", "r1", ""), (request.PodNamespace, request.PodName, request.Netns));
    }

    [Fact]
    public async Task Del_DaemonSaysContainerUnknown_Succeeds()
    {
        var daemon = await StartDaemonAsync();
        daemon.Reply = _ => new CniReply { ErrorCode = 3, ErrorMsg = "unknown container" };

        var result = Run(Del("1.0.0"));

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task Del_DaemonFails_PrintsThatError()
    {
        var daemon = await StartDaemonAsync();
        daemon.Reply = _ => new CniReply { ErrorCode = 5, ErrorMsg = "store write failed" };

        var result = Run(Del("1.0.0"));

        Assert.Equal(5u, result.ErrorCode);
    }

    [Fact]
    public void Del_DaemonDownPodInIndex_SucceedsAndSpoolsTheDeletion()
    {
        Sandbox.WriteIndex(("lab", "r1"));

        var result = Run(Del("1.0.0") with { Netns = "/var/run/netns/p1" });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(new PendingPod("lab", "r1", "c0ffee01", "/var/run/netns/p1", "eth0"),
            PendingPodSpool.ForDeletions(Sandbox.StateDir).Read("c0ffee01"));
    }

    [Fact]
    public async Task Del_DaemonUp_SpoolsNothing()
    {
        await StartDaemonAsync();

        Run(Del("1.0.0"));

        Assert.Empty(PendingPodSpool.ForDeletions(Sandbox.StateDir).ReadAll());
    }

    [Fact]
    public void Del_DaemonDownPodNotInIndex_Succeeds()
    {
        Sandbox.WriteIndex();

        var result = Run(Del("1.0.0"));

        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public void Del_DaemonDownPodSpooled_RemovesTheSpoolFile()
    {
        Sandbox.WriteIndex();
        Sandbox.Spool.Write(new PendingPod("lab", "r1", "c0ffee01", "/var/run/netns/p1", "eth0"));

        Run(Del("1.0.0"));

        Assert.False(File.Exists(Sandbox.Spool.PathFor("c0ffee01")));
    }

    [Fact]
    public void Del_Twice_SucceedsBothTimes()
    {
        Sandbox.WriteIndex();

        var first = Run(Del("1.0.0"));
        var second = Run(Del("1.0.0"));

        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
    }

    [Fact]
    public void Del_NotAKubernetesPod_SucceedsWithoutIndex()
    {
        var result = Run(Del("1.0.0") with { Args = null });

        Assert.Equal(0, result.ExitCode);
    }
}
