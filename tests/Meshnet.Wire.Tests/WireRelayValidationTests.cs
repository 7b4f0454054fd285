using System.Net;
using Grpc.Core;
using Meshnet.Protocol.V1;
using Microsoft.Extensions.Logging.Abstractions;

namespace Meshnet.Wire.Tests;

/// <summary>What Attach refuses before touching the kernel: every field is checked and named in the error.</summary>
public sealed class WireRelayValidationTests : IAsyncDisposable
{
    private static readonly WireEnd Good = new(1, "lab", 0, "/var/run/netns/x", "eth1", "node-b", new IPEndPoint(IPAddress.Loopback, 51111), 1500);

    private readonly WireRelay _relay = new(new NoPeers(), NullLogger<WireRelay>.Instance);

    public static TheoryData<WireEnd, string> BadEnds => new()
    {
        { Good with { LocalId = -1 }, "LocalId" },
        { Good with { Namespace = "" }, "Namespace" },
        { Good with { Uid = -1 }, "Uid" },
        { Good with { NetNsPath = "" }, "NetNsPath" },
        { Good with { InterfaceName = "a-name-too-long-for-linux" }, "InterfaceName" },
        { Good with { PeerNode = "" }, "PeerNode" },
        { Good with { Mtu = 67 }, "Mtu" },
        { Good with { Mtu = 65536 }, "Mtu" },
    };

    [Theory]
    [MemberData(nameof(BadEnds))]
    public void Attach_InvalidField_ThrowsNamingItAndAttachesNothing(WireEnd end, string field)
    {
        var e = Assert.Throws<ArgumentException>(() => _relay.Attach(end));

        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.Empty(_relay.GetAll());
    }

    [Fact]
    public void Options_NoStreams_Refused() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new WireRelay(new NoPeers(), NullLogger<WireRelay>.Instance, new WireRelayOptions { StreamsPerPeer = 0 }));

    public async ValueTask DisposeAsync() => await _relay.DisposeAsync();

    /// <summary>These tests never get as far as a peer.</summary>
    private sealed class NoPeers : IWireConnector
    {
        public AsyncDuplexStreamingCall<WireMessage, WireMessage> Open(string peerNode, IPEndPoint endpoint, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("no peer in this test");
    }
}
