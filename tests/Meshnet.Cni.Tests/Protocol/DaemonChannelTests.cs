using Grpc.Core;
using Meshnet.Cni.Tests.Infrastructure;
using Meshnet.Protocol;
using Meshnet.Protocol.V1;
using Xunit;

namespace Meshnet.Cni.Tests.Protocol;

public sealed class DaemonChannelTests : IDisposable
{
    private readonly PluginSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public async Task ForUnixSocket_DaemonListening_CallsReachIt()
    {
        await using var daemon = await FakeDaemon.StartAsync(_sandbox.SocketPath);
        daemon.Reply = _ => new CniReply { HasTopology = true };
        using var channel = DaemonChannel.ForUnixSocket(_sandbox.SocketPath);

        var reply = await new CniBackend.CniBackendClient(channel).AddAsync(new CniRequest { PodName = "r1" });

        Assert.True(reply.HasTopology);
    }

    [Fact]
    public async Task ForUnixSocket_NoSocket_FailsUnavailable()
    {
        using var channel = DaemonChannel.ForUnixSocket(_sandbox.SocketPath);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await new CniBackend.CniBackendClient(channel).StatusAsync(new StatusRequest()));

        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
    }
}
