using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Grpc.Net.Client;
using Meshnet.Protocol.V1;
using Meshnet.Wire;

namespace Meshnet.Daemon.NodeApi;

/// <summary>
/// The client side of wire streams: one HTTP/2 channel per peer (address, expected node name), with the node API's
/// mutual TLS and peer check (<see cref="NodeLinksClientFactory.NewHandler"/>), sized for bulk data: 4 MiB stream
/// windows as the KNE fork uses, messages up to <see cref="NodeApiHosting.MaxWireMessageSize"/>, and TCP_NODELAY
/// (SocketsHttpHandler's default) so a lone ping is not held back.
/// </summary>
internal sealed class WireClient(NodeLinksClientFactory links) : IWireConnector, IDisposable
{
    private const int StreamWindow = 4 * 1024 * 1024;

    private readonly ConcurrentDictionary<(IPEndPoint Endpoint, string Node), Lazy<GrpcChannel>> _channels = new();

    public AsyncDuplexStreamingCall<WireMessage, WireMessage> Open(string peerNode, IPEndPoint endpoint, CancellationToken cancellationToken)
    {
        var channel = _channels.GetOrAdd((endpoint, peerNode), key => new Lazy<GrpcChannel>(() => NewChannel(key.Endpoint, key.Node))).Value;
        return new NodeWire.NodeWireClient(channel).Stream(cancellationToken: cancellationToken);
    }

    private GrpcChannel NewChannel(IPEndPoint endpoint, string peerNode)
    {
        var handler = links.NewHandler(peerNode);
        handler.InitialHttp2StreamWindowSize = StreamWindow;

        // A dead peer must be noticed within seconds, not at the next TCP timeout, so that carriers go down.
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(5);
        handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(5);
        handler.KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always;
        return GrpcChannel.ForAddress($"https://{endpoint}", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = NodeApiHosting.MaxWireMessageSize,
            MaxSendMessageSize = NodeApiHosting.MaxWireMessageSize,
        });
    }

    public void Dispose()
    {
        foreach (var channel in _channels.Values.Where(c => c.IsValueCreated))
        {
            channel.Value.Dispose();
        }
    }
}
