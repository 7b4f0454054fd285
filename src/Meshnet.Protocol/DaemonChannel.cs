using System.Net.Sockets;
using Grpc.Net.Client;

namespace Meshnet.Protocol;

/// <summary>Creates gRPC channels to the local meshnet daemon over its Unix socket.</summary>
public static class DaemonChannel
{
    /// <summary>Where meshnetd listens unless configured otherwise.</summary>
    public const string DefaultSocketPath = "/run/meshnet/meshnet.sock";

    // A local socket either accepts at once or not at all; waiting longer only delays the kubelet.
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A channel whose every connection goes to the Unix socket at <paramref name="socketPath"/>.
    /// The authority (http://localhost) is only a placeholder that HTTP/2 needs; nothing is resolved.
    /// Uses no reflection, so it is safe in the NativeAOT plugin.
    /// </summary>
    public static GrpcChannel ForUnixSocket(string socketPath)
    {
        var endpoint = new UnixDomainSocketEndPoint(socketPath);
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            ConnectCallback = async (_, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await socket.ConnectAsync(endpoint, cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
            // The plugin is short-lived; the daemon's other clients keep one channel for their lifetime.
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
        };
        return GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
        });
    }
}
