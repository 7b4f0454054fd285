using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Meshnet.Daemon.Security;
using Meshnet.Protocol.V1;

namespace Meshnet.Daemon.NodeApi;

/// <summary>
/// Clients for calling other nodes: one pooled HTTP/2 channel per peer (address, port and expected node name),
/// presenting this node's certificate, and accepting the server only when its certificate is a node certificate of
/// this cluster naming the node we meant to reach. Channels live as long as the factory (the daemon).
/// </summary>
internal sealed class NodeLinksClientFactory(NodeTlsMaterial tls) : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<(IPEndPoint Endpoint, string Node), Lazy<GrpcChannel>> _channels = new();

    /// <summary>A client for node <paramref name="peerNodeName"/> reached at <paramref name="endpoint"/>.</summary>
    public NodeLinks.NodeLinksClient Get(string peerNodeName, IPEndPoint endpoint) =>
        new(_channels.GetOrAdd((endpoint, peerNodeName), key => new Lazy<GrpcChannel>(() => Open(key.Endpoint, key.Node))).Value);

    private GrpcChannel Open(IPEndPoint endpoint, string peerNodeName) =>
        GrpcChannel.ForAddress($"https://{endpoint}", new GrpcChannelOptions
        {
            HttpHandler = NewHandler(peerNodeName),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = NodeApiHosting.MaxMessageSize,
        });

    /// <summary>
    /// An HTTP/2 handler that presents this node's certificate and accepts only <paramref name="peerNodeName"/>'s
    /// (also used by the wire client, <see cref="WireClient"/>).
    /// </summary>
    internal SocketsHttpHandler NewHandler(string peerNodeName) => new()
    {
        ConnectTimeout = ConnectTimeout,
        EnableMultipleHttp2Connections = true,
        KeepAlivePingDelay = TimeSpan.FromSeconds(30),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificateContext = SslStreamCertificateContext.Create(tls.Certificate, additionalCertificates: null, offline: true),
            // The platform's verdict is ignored on purpose: the system roots must not vouch for a peer, and an IP
            // address is not what a node certificate is checked against; its node name is.
            RemoteCertificateValidationCallback = (_, certificate, _, _) => IsExpectedPeer(certificate, peerNodeName),
        },
    };

    private bool IsExpectedPeer(X509Certificate? presented, string peerNodeName)
    {
        if (presented is null)
        {
            return false;
        }

        using var owned = presented as X509Certificate2 is null ? X509CertificateLoader.LoadCertificate(presented.GetRawCertData()) : null;
        var identity = tls.Validator.Validate(owned ?? (X509Certificate2)presented, NodeCertificatePurpose.Server);
        return identity.NodeName == peerNodeName;
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values.Where(c => c.IsValueCreated))
        {
            channel.Value.Dispose();
        }
    }
}
