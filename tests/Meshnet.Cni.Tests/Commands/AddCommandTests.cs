using System.Text.Json.Nodes;
using Meshnet.Cni.Tests.Infrastructure;
using Meshnet.Protocol;
using Meshnet.Protocol.V1;
using Xunit;

namespace Meshnet.Cni.Tests.Commands;

public sealed class AddCommandTests(PluginBinary binary) : PluginTest(binary)
{
    private CniCall Add(string version, JsonNode? prevResult = null) =>
        new() { Command = "ADD", Stdin = Sandbox.Config(version, prevResult ?? SpecVersions.PrevResult(version)) };

    [Theory]
    [MemberData(nameof(SpecVersions.All), MemberType = typeof(SpecVersions))]
    public void Add_NotAKubernetesPod_PrintsPrevResultUnchanged(string version)
    {
        var prev = SpecVersions.PrevResult(version);

        var result = Run(Add(version, prev) with { Args = null });

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(prev.ToJsonString(), result.Stdout);
    }

    [Theory]
    [MemberData(nameof(SpecVersions.All), MemberType = typeof(SpecVersions))]
    public async Task Add_DaemonSaysNoTopology_PrintsPrevResultUnchanged(string version)
    {
        await StartDaemonAsync();
        var prev = SpecVersions.PrevResult(version);

        var result = Run(Add(version, prev));

        Assert.Equal(0, result.ExitCode);
        Assert.True(JsonNode.DeepEquals(prev, result.Json), result.ToString());
    }

    [Theory]
    [MemberData(nameof(SpecVersions.All), MemberType = typeof(SpecVersions))]
    public async Task Add_DaemonHasTopology_PrintsPrevResultUnchanged(string version)
    {
        var daemon = await StartDaemonAsync();
        daemon.Reply = _ => new CniReply { HasTopology = true };
        var prev = SpecVersions.PrevResult(version);

        var result = Run(Add(version, prev));

        Assert.Equal(0, result.ExitCode);
        Assert.True(JsonNode.DeepEquals(prev, result.Json), result.ToString());
    }

    [Fact]
    public async Task Add_DaemonUp_SendsThePodAndAttachment()
    {
        var daemon = await StartDaemonAsync();

        Run(Add("1.0.0") with { ContainerId = "abc123", Netns = CniCall.AnyNetns, IfName = "eth0" });

        var (method, request) = Assert.Single(daemon.Calls.Requests);
        Assert.Equal("Add", method);
        Assert.Equal(new CniRequest
        {
            PodNamespace = "lab", PodName = "r1", ContainerId = "abc123", Netns = CniCall.AnyNetns, Ifname = "eth0", CniVersion = "1.0.0",
        }, request);
    }

    [Fact]
    public async Task Add_DaemonReturnsError_PrintsThatError()
    {
        var daemon = await StartDaemonAsync();
        daemon.Reply = _ => new CniReply { HasTopology = true, ErrorCode = 11, ErrorMsg = "peer not ready", ErrorDetails = "r2 missing" };

        var result = Run(Add("1.0.0"));

        Assert.Equal(11u, result.ErrorCode);
        Assert.Equal("peer not ready", result.ErrorMessage);
        Assert.Equal("r2 missing", result.Json["details"]!.GetValue<string>());
    }

    [Fact]
    public void Add_NoPrevResult_PrintsEmptyResultInConfigVersion()
    {
        var result = Run(new CniCall { Command = "ADD", Args = null, Stdin = Sandbox.Config("1.0.0") });

        Assert.Equal(0, result.ExitCode);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"cniVersion":"1.0.0","interfaces":[],"ips":[]}"""), result.Json));
    }

    [Fact]
    public void Add_PrevResultWithoutCniVersion_GetsTheConfigVersion()
    {
        var prev = SpecVersions.PrevResult("1.0.0");
        prev.Remove("cniVersion");

        var result = Run(Add("1.0.0", prev) with { Args = null });

        Assert.Equal("1.0.0", result.Json["cniVersion"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(prev["ips"], result.Json["ips"]));
    }

    [Theory]
    [MemberData(nameof(SpecVersions.All), MemberType = typeof(SpecVersions))]
    public void Add_DaemonDownPodInIndex_AsksToTryAgainLater(string version)
    {
        Sandbox.WriteIndex(("lab", "r1"));

        var result = Run(Add(version));

        Assert.Equal(11u, result.ErrorCode);
        Assert.Contains(Sandbox.SocketPath, result.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Add_DaemonDownNoIndexAtAll_PassesAndSpoolsThePod()
    {
        var result = Run(Add("1.0.0"));

        Assert.Equal(0, result.ExitCode);
        Assert.NotNull(Sandbox.Spool.Read("c0ffee01"));
    }

    [Fact]
    public void Add_StaleSocketFileNobodyListening_CountsAsDaemonDown()
    {
        using (var socket = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified))
        {
            socket.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(Sandbox.SocketPath)); // leaves the file behind
        }
        Sandbox.WriteIndex(("lab", "r1"));

        var result = Run(Add("1.0.0"));

        Assert.Equal(11u, result.ErrorCode);
    }

    [Theory]
    [MemberData(nameof(SpecVersions.All), MemberType = typeof(SpecVersions))]
    public void Add_DaemonDownPodNotInIndex_PrintsPrevResultUnchanged(string version)
    {
        Sandbox.WriteIndex(("lab", "other"));
        var prev = SpecVersions.PrevResult(version);

        var result = Run(Add(version, prev));

        Assert.Equal(0, result.ExitCode);
        Assert.True(JsonNode.DeepEquals(prev, result.Json), result.ToString());
    }

    [Fact]
    public void Add_DaemonDownPodNotInIndex_SpoolsThePod()
    {
        Sandbox.WriteIndex(("lab", "other"));

        Run(Add("1.0.0") with { ContainerId = "abc123", Netns = CniCall.AnyNetns, IfName = "eth0" });

        Assert.Equal(new PendingPod("lab", "r1", "abc123", CniCall.AnyNetns, "eth0"), Sandbox.Spool.Read("abc123"));
    }

    [Fact]
    public async Task Add_DaemonUpAfterAnOfflineAdd_RemovesTheSpooledPod()
    {
        Sandbox.Spool.Write(new PendingPod("lab", "r1", "c0ffee01", "/var/run/netns/p1", "eth0"));
        await StartDaemonAsync();

        Run(Add("1.0.0"));

        Assert.Null(Sandbox.Spool.Read("c0ffee01"));
    }
}
