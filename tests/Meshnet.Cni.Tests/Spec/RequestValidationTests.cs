using System.Text.Json.Nodes;
using Meshnet.Cni.Tests.Infrastructure;
using Xunit;

namespace Meshnet.Cni.Tests.Spec;

/// <summary>
/// ADD and CHECK refuse what they cannot act on — a CNI_NETNS that is not a network namespace, a prevResult that is not
/// a result of the config's version — with the spec's code, and before the first side effect: the daemon is not
/// called, nothing is spooled, nothing is printed but the error.
/// </summary>
public sealed class RequestValidationTests(PluginBinary binary) : PluginTest(binary)
{
    private CniCall Add(string version, JsonNode? prev) => new() { Command = "ADD", Stdin = Sandbox.Config(version, prev) };

    private static JsonObject Prev(string version, Action<JsonObject> edit)
    {
        var prev = SpecVersions.PrevResult(version);
        edit(prev);
        return prev;
    }

    /// <summary>Nothing happened: the (running) daemon heard nothing and nothing was spooled.</summary>
    private void AssertNoSideEffect(FakeDaemon daemon)
    {
        Assert.Empty(daemon.Calls.Requests);
        Assert.Empty(Sandbox.Spool.ReadAll());
    }

    [Theory]
    [InlineData("/etc/hostname")]
    [InlineData("/proc/self/ns/mnt")]
    [InlineData("/var/run/netns/meshnet-no-such-namespace")]
    [InlineData("relative/netns")]
    [InlineData("/proc")]
    public async Task Add_NetnsIsNotANetworkNamespace_InvalidEnvironmentAndNoSideEffect(string netns)
    {
        var daemon = await StartDaemonAsync();

        var result = Run(Add("1.0.0", SpecVersions.PrevResult("1.0.0")) with { Netns = netns });

        Assert.Equal(4u, result.ErrorCode);
        Assert.Contains("CNI_NETNS", result.ErrorMessage, StringComparison.Ordinal);
        AssertNoSideEffect(daemon);
    }

    [Fact]
    public async Task Add_NetnsIsAFifo_RefusedWithoutBlocking()
    {
        var daemon = await StartDaemonAsync();
        var fifo = Path.Combine(Sandbox.StateDir, "fifo");
        Meshnet.Testing.Cmd.Run("mkfifo", fifo).EnsureSuccess();

        var result = Run(Add("1.0.0", SpecVersions.PrevResult("1.0.0")) with { Netns = fifo });

        Assert.Equal(4u, result.ErrorCode);
        AssertNoSideEffect(daemon);
    }

    [Fact]
    public void Add_NetnsIsNotANetworkNamespaceAndDaemonDown_NothingSpooled()
    {
        var result = Run(Add("1.0.0", SpecVersions.PrevResult("1.0.0")) with { Netns = "/etc/hostname" });

        Assert.Equal(4u, result.ErrorCode);
        Assert.Empty(Sandbox.Spool.ReadAll());
    }

    [Fact]
    public async Task Check_NetnsIsNotANetworkNamespace_InvalidEnvironmentAndDaemonNotCalled()
    {
        var daemon = await StartDaemonAsync();

        var result = Run(new CniCall { Command = "CHECK", Netns = "/etc/hostname", Stdin = Sandbox.Config("1.0.0", SpecVersions.PrevResult("1.0.0")) });

        Assert.Equal(4u, result.ErrorCode);
        AssertNoSideEffect(daemon);
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("\"result\"")]
    [InlineData("42")]
    public async Task Add_PrevResultNotAnObject_DecodingFailureAndNoSideEffect(string prev)
    {
        var daemon = await StartDaemonAsync();

        var result = Run(Add("1.0.0", JsonNode.Parse(prev)));

        Assert.Equal(6u, result.ErrorCode);
        AssertNoSideEffect(daemon);
    }

    public static TheoryData<string, string> WrongShapes => new()
    {
        { "interfaces", """{"interfaces":"eth0"}""" },
        { "interfaces[0].name", """{"interfaces":[{"mac":"de:ad:be:ef:00:01"}]}""" },
        { "ips[0].address", """{"ips":[{"address":"10.244.1.7"}]}""" },
        { "ips[0].address", """{"ips":[{"address":"not-an-ip/24"}]}""" },
        { "ips[0].gateway", """{"ips":[{"address":"10.244.1.7/24","gateway":"10.244.1"}]}""" },
        { "ips[0].interface", """{"interfaces":[{"name":"eth0"}],"ips":[{"address":"10.244.1.7/24","interface":3}]}""" },
        { "ips[0].version", """{"ips":[{"address":"10.244.1.7/24","version":"6"}]}""" },
        { "routes[0].dst", """{"routes":[{"gw":"10.244.1.1"}]}""" },
        { "dns.nameservers[0]", """{"dns":{"nameservers":[53]}}""" },
    };

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public async Task Add_PrevResultOfTheWrongShape_DecodingFailureNamingTheFieldAndNoSideEffect(string field, string prev)
    {
        var daemon = await StartDaemonAsync();
        var shaped = (JsonObject)JsonNode.Parse(prev)!;
        shaped["cniVersion"] = "1.0.0";

        var result = Run(Add("1.0.0", shaped));

        Assert.Equal(6u, result.ErrorCode);
        Assert.Contains($"prevResult.{field} ", result.Json["details"]!.GetValue<string>(), StringComparison.Ordinal);
        AssertNoSideEffect(daemon);
    }

    [Theory]
    [InlineData("0.3.0")]
    [InlineData("0.3.1")]
    [InlineData("0.4.0")]
    public async Task Add_PrevResultIpWithoutVersionBefore100_DecodingFailure(string version)
    {
        var daemon = await StartDaemonAsync();
        var prev = Prev(version, p => ((JsonObject)p["ips"]![0]!).Remove("version"));

        var result = Run(Add(version, prev));

        Assert.Equal(6u, result.ErrorCode);
        Assert.Contains("prevResult.ips[0].version", result.Json["details"]!.GetValue<string>(), StringComparison.Ordinal);
        AssertNoSideEffect(daemon);
    }

    [Theory]
    [MemberData(nameof(SpecVersions.All), MemberType = typeof(SpecVersions))]
    public async Task Add_RealisticPrevResultOfEveryVersion_IsAccepted(string version)
    {
        await StartDaemonAsync();

        var result = Run(Add(version, SpecVersions.PrevResult(version)));

        Assert.Equal(0, result.ExitCode);
    }

    [Theory]
    [InlineData("stateDir")]
    [InlineData("daemonSocket")]
    public void Add_RelativeStateDirOrSocket_InvalidConfigNamingTheKey(string key)
    {
        var result = Run(new CniCall { Command = "ADD", Stdin = Sandbox.Config("1.0.0", SpecVersions.PrevResult("1.0.0"), c => c[key] = "relative/dir") });

        Assert.Equal(7u, result.ErrorCode);
        Assert.Contains(key, result.ErrorMessage, StringComparison.Ordinal);
        Assert.False(Directory.Exists("relative"));
    }

    [Fact]
    public async Task Gc_AttachmentWithoutContainerId_InvalidConfigAndNothingCollected()
    {
        var daemon = await StartDaemonAsync();
        Sandbox.Spool.Write(new Meshnet.Protocol.PendingPod("lab", "r1", "old1", "/var/run/netns/x", "eth0"));

        var result = Run(new CniCall
        {
            Command = "GC", ContainerId = null, Netns = null, IfName = null, Args = null,
            Stdin = Sandbox.Config("1.1.0", extra: c => c["cni.dev/valid-attachments"] = new JsonArray(new JsonObject { ["ifname"] = "eth0" })),
        });

        Assert.Equal(7u, result.ErrorCode);
        Assert.Empty(daemon.Calls.GcRequests);
        Assert.NotNull(Sandbox.Spool.Read("old1"));
    }
}
