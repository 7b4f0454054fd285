using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Meshnet.Model;
using Meshnet.Protocol.V1;
using Xunit;

namespace Meshnet.Daemon.Tests.NodeApi;

/// <summary>node-b's node API over real mutual TLS, called as node-a (or as someone who is not a node).</summary>
public sealed class NodeLinksServiceTests : IAsyncLifetime
{
    private NodeApiWorld _world = null!;
    private NodeApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _world = await NodeApiWorld.CreateAsync();
        _server = await NodeApiServer.StartAsync(_world);
    }

    private NodeLinks.NodeLinksClient AsPeer => _world.PeerClients.Get(NodeApiWorld.ThisNode, _server.TlsEndpoint);

    private static readonly StatusCode[] TransportFailures = [StatusCode.Unavailable, StatusCode.Internal];

    private static LinkRef Link(int uid, string ns = NodeApiWorld.Namespace) => new() { Namespace = ns, Uid = uid };

    [Fact]
    public async Task Reconcile_PeerHoldsTheOtherEnd_QueuesTheLocalPod()
    {
        var reply = await AsPeer.ReconcileAsync(Link(0));

        Assert.Equal("r2", reply.Pod);
        Assert.Equal([new PodKey(NodeApiWorld.Namespace, "r2")], _world.TakeQueued());
    }

    [Fact]
    public async Task GetLinkState_PeerHoldsTheOtherEnd_ReturnsTheLocalEndState()
    {
        var reply = await AsPeer.GetLinkStateAsync(Link(0));

        Assert.Equal(new LinkStateReply { Pod = "r2", PodAlive = true, State = LinkEndState.Up, Transport = "vxlan" }, reply);
    }

    [Fact]
    public async Task Reconcile_PeerHasNoEndOfTheLink_PermissionDeniedAndNothingQueued()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => AsPeer.ReconcileAsync(Link(1)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("lab/1", e.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_world.TakeQueued());
    }

    [Fact]
    public async Task Reconcile_BothEndsOnThisNode_PermissionDeniedAndNothingQueued()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => AsPeer.ReconcileAsync(Link(2)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Empty(_world.TakeQueued());
    }

    [Fact]
    public async Task GetLinkState_PeerHasNoEndOfTheLink_PermissionDenied()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => AsPeer.GetLinkStateAsync(Link(1)).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public async Task Reconcile_UnknownLink_NotFound()
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => AsPeer.ReconcileAsync(Link(99)).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
        Assert.Empty(_world.TakeQueued());
    }

    [Theory]
    [InlineData("Lab", 0)]
    [InlineData("", 0)]
    [InlineData("../../run/netns/x", 0)]
    [InlineData("lab", -1)]
    public async Task Reconcile_InvalidLinkRef_InvalidArgumentAndNothingQueued(string ns, int uid)
    {
        var e = await Assert.ThrowsAsync<RpcException>(() => AsPeer.ReconcileAsync(Link(uid, ns)).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
        Assert.Empty(_world.TakeQueued());
    }

    /// <summary>The control for the two tests below: the same hand-made client, with a good certificate, gets in.</summary>
    [Fact]
    public async Task Reconcile_HandMadeClientWithNodeCertificate_Succeeds()
    {
        using var channel = RawChannel(_world.PeerNodeTls.Certificate);

        var reply = await new NodeLinks.NodeLinksClient(channel).ReconcileAsync(Link(0));

        Assert.Equal("r2", reply.Pod);
    }

    [Fact]
    public async Task Reconcile_ClientWithoutCertificate_RejectedAndNothingQueued()
    {
        using var channel = RawChannel(clientCertificate: null);

        var e = await Assert.ThrowsAsync<RpcException>(() => new NodeLinks.NodeLinksClient(channel).ReconcileAsync(Link(0)).ResponseAsync);

        // Refused in the TLS handshake, before any gRPC: the client sees the connection fail (Unavailable), or the
        // handshake itself fail (Internal), depending on when the server's alert reaches it.
        Assert.Contains(e.StatusCode, TransportFailures);
        Assert.Empty(_world.TakeQueued());
    }

    [Fact]
    public async Task Reconcile_CertificateFromAnotherCa_RejectedAndNothingQueued()
    {
        using var otherCa = Security.SecurityFixtures.NewCa();
        using var impostor = _world.TlsFor(NodeApiWorld.PeerNode, otherCa);
        using var channel = RawChannel(impostor.Certificate);

        var e = await Assert.ThrowsAsync<RpcException>(() => new NodeLinks.NodeLinksClient(channel).ReconcileAsync(Link(0)).ResponseAsync);

        // Refused in the TLS handshake, before any gRPC: the client sees the connection fail (Unavailable), or the
        // handshake itself fail (Internal), depending on when the server's alert reaches it.
        Assert.Contains(e.StatusCode, TransportFailures);
        Assert.Empty(_world.TakeQueued());
    }

    /// <summary>The server's one refusal line; it is written when the refused connection ends, maybe after the client saw it fail.</summary>
    private async Task<(Microsoft.Extensions.Logging.LogLevel Level, string Category, string Message)> RefusalLoggedAsync()
    {
        bool IsRefusal((Microsoft.Extensions.Logging.LogLevel, string Category, string) l) =>
            l.Category.EndsWith(nameof(Meshnet.Daemon.NodeApi.TlsRejectionLog), StringComparison.Ordinal);
        for (var waited = 0; waited < 100 && !_server.Logs.Lines.Any(IsRefusal); waited++)
        {
            await Task.Delay(50);
        }

        return Assert.Single(_server.Logs.Lines, IsRefusal);
    }

    [Fact]
    public async Task Reconcile_ClientWithoutCertificate_RefusalLoggedWithPeerAddress()
    {
        using var channel = RawChannel(clientCertificate: null);

        await Assert.ThrowsAsync<RpcException>(() => new NodeLinks.NodeLinksClient(channel).ReconcileAsync(Link(0)).ResponseAsync);

        var refusal = await RefusalLoggedAsync();
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Warning, refusal.Level);
        Assert.Contains("127.0.0.1", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("no client certificate was presented", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_CertificateFromAnotherCa_RefusalLoggedWithPeerAddressAndReason()
    {
        using var otherCa = Security.SecurityFixtures.NewCa();
        using var impostor = _world.TlsFor(NodeApiWorld.PeerNode, otherCa);
        using var channel = RawChannel(impostor.Certificate);

        await Assert.ThrowsAsync<RpcException>(() => new NodeLinks.NodeLinksClient(channel).ReconcileAsync(Link(0)).ResponseAsync);

        var refusal = await RefusalLoggedAsync();
        Assert.Contains("127.0.0.1", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("not valid for this cluster", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reconcile_OverAListenerWithoutTls_Unauthenticated()
    {
        using var channel = GrpcChannel.ForAddress(_server.PlainAddress);

        var e = await Assert.ThrowsAsync<RpcException>(() => new NodeLinks.NodeLinksClient(channel).ReconcileAsync(Link(0)).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Empty(_world.TakeQueued());
    }

    [Fact]
    public async Task NodeListener_RequestForAnythingButTheNodeApi_NotFound()
    {
        using var client = new HttpClient(Handler(_world.PeerNodeTls.Certificate)) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await client.GetAsync(new Uri(_server.TlsAddress, NodeApiServer.UnrelatedPath));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    /// <summary>The control for the test above: the same endpoint is served on the daemon's other listeners.</summary>
    [Fact]
    public async Task PlainListener_UnrelatedEndpoint_Served()
    {
        using var client = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await client.GetAsync(new Uri(_server.PlainAddress, NodeApiServer.UnrelatedPath));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Get_ServerIsNotTheNodeExpected_CallFails()
    {
        var wrongPeer = _world.PeerClients.Get("node-c", _server.TlsEndpoint);

        var e = await Assert.ThrowsAsync<RpcException>(() => wrongPeer.ReconcileAsync(Link(0)).ResponseAsync);

        Assert.Contains("remote certificate was rejected", e.Status.Detail, StringComparison.Ordinal);
        Assert.Empty(_world.TakeQueued());
    }

    /// <summary>A channel that trusts node-b's certificate and presents <paramref name="clientCertificate"/> (or nothing).</summary>
    private GrpcChannel RawChannel(X509Certificate2? clientCertificate) =>
        GrpcChannel.ForAddress(_server.TlsAddress, new GrpcChannelOptions { HttpHandler = Handler(clientCertificate), DisposeHttpClient = true });

    private SocketsHttpHandler Handler(X509Certificate2? clientCertificate) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, server, _, _) => server?.GetCertHashString() == _world.ThisNodeTls.Certificate.Thumbprint,
            ClientCertificateContext = clientCertificate is null ? null : SslStreamCertificateContext.Create(clientCertificate, null, offline: true),
        },
    };

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        await _world.DisposeAsync();
    }
}
