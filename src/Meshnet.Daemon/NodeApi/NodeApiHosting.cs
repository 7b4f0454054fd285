using System.Net;
using Meshnet.Daemon.Security;
using Meshnet.Daemon.Topologies;
using Meshnet.Protocol.V1;
using Meshnet.Wire;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Meshnet.Daemon.NodeApi;

/// <summary>
/// Wiring of the node-to-node API into the daemon's web host: a TCP listener that speaks HTTP/2 over mutual TLS
/// only, the services behind it, and a fence so that this listener serves the node API and nothing else (the CNI
/// backend, mapped on the same host for the Unix socket, must not be reachable from the network).
/// </summary>
internal static class NodeApiHosting
{
    public const int DefaultPort = 51111;

    /// <summary>Node API messages are a namespace and a number; anything bigger is refused before parsing.</summary>
    public const int MaxMessageSize = 16 * 1024;

    /// <summary>
    /// Wire messages carry batches of frames (up to 80 KiB each, with 64 KiB super-frames); this larger limit applies
    /// to the wire service alone.
    /// </summary>
    public const int MaxWireMessageSize = 1024 * 1024;

    private const string ListenerMarker = "meshnet.node-api";
    private static readonly string ServicePath = $"/{NodeLinks.Descriptor.FullName}";
    private static readonly string WireServicePath = $"/{NodeWire.Descriptor.FullName}";

    /// <summary>Listens for the node API on every address (IPv6 and IPv4, or IPv4 alone where IPv6 is off), TCP <paramref name="port"/>.</summary>
    public static void ListenNodeApi(this KestrelServerOptions kestrel, int port, NodeTlsMaterial tls) =>
        kestrel.ListenAnyIP(port, listen => UseMutualTls(listen, tls));

    /// <summary>Listens for the node API on <paramref name="endpoint"/> only (e.g. the node's own address).</summary>
    public static void ListenNodeApi(this KestrelServerOptions kestrel, IPEndPoint endpoint, NodeTlsMaterial tls) =>
        kestrel.Listen(endpoint, listen => UseMutualTls(listen, tls));

    /// <summary>
    /// HTTP/2 over TLS, where the handshake fails unless the client presents a node certificate of this cluster (each
    /// refusal logged, see <see cref="TlsRejectionLog"/>); and a mark on every connection, so that
    /// <see cref="MapNodeApi"/> can tell this listener's requests apart.
    /// </summary>
    private static void UseMutualTls(ListenOptions listen, NodeTlsMaterial tls)
    {
        listen.Protocols = HttpProtocols.Http2;
        listen.Use(next => connection =>
        {
            connection.Items[ListenerMarker] = true;
            return next(connection);
        });
        listen.Use(next => connection => listen.ApplicationServices.GetRequiredService<TlsRejectionLog>().WatchAsync(connection, next));
        listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = tls.Certificate,
            ClientCertificateMode = ClientCertificateMode.RequireCertificate,
            CheckCertificateRevocation = false,
            ClientCertificateValidation = (certificate, _, _) => TlsRejectionLog.Verdict(tls.Validator.Validate(certificate, NodeCertificatePurpose.Client)),
        });
        listen.Use(TlsRejectionLog.MarkHandshakeCompleted);
    }

    /// <summary>
    /// Registers the node API service, its authorization, and <see cref="NodeLinksClientFactory"/> for calling peers.
    /// Needs <see cref="TopologyCache"/> and (unless an <see cref="ILocalLinkQueue"/> is registered first) the
    /// reconciler's <see cref="Reconcile.WorkQueue"/> from the container.
    /// </summary>
    public static IServiceCollection AddNodeApi(this IServiceCollection services, NodeTlsMaterial tls)
    {
        services.AddGrpc().AddServiceOptions<NodeLinksService>(o =>
        {
            o.MaxReceiveMessageSize = MaxMessageSize;
            o.EnableDetailedErrors = false;
        });
        services.AddSingleton(tls);
        services.AddSingleton(tls.Validator);
        services.AddSingleton<LinkEndIndex>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<TlsRejectionLog>();
        services.AddSingleton(sp => new NodeLinkAuthorizer(sp.GetRequiredService<LinkEndIndex>(), tls.NodeName));
        services.TryAddSingleton<ILocalLinkQueue, WorkQueueLinkQueue>();
        services.AddSingleton<NodeLinksClientFactory>();
        return services;
    }

    /// <summary>Maps the node API, and fences its listener so that only node API calls are served there.</summary>
    public static WebApplication MapNodeApi(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var onNodeListener = context.Features.Get<IConnectionItemsFeature>()?.Items.ContainsKey(ListenerMarker) == true;
            if (onNodeListener && !context.Request.Path.StartsWithSegments(ServicePath, StringComparison.Ordinal)
                && !context.Request.Path.StartsWithSegments(WireServicePath, StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.MapGrpcService<NodeLinksService>();
        return app;
    }

    /// <summary>
    /// Registers the gRPC wire data path: <see cref="WireRelay"/> as the node's <see cref="IWireRelay"/> (a
    /// singleton), its client side (<see cref="WireClient"/>) and the wire service's message limit; and sizes HTTP/2
    /// flow control for bulk frames (16 MiB per connection, 4 MiB per stream, as the KNE fork does). Needs
    /// <see cref="AddNodeApi"/>; map the service with <see cref="MapWireService"/>.
    /// </summary>
    public static IServiceCollection AddWireRelay(this IServiceCollection services, WireRelayOptions? options = null)
    {
        services.AddGrpc().AddServiceOptions<WireService>(o =>
        {
            o.MaxReceiveMessageSize = MaxWireMessageSize;
            o.MaxSendMessageSize = MaxWireMessageSize;
            o.EnableDetailedErrors = false;
        });
        services.Configure<KestrelServerOptions>(k =>
        {
            k.Limits.Http2.InitialConnectionWindowSize = 16 * 1024 * 1024;
            k.Limits.Http2.InitialStreamWindowSize = 4 * 1024 * 1024;
        });
        services.AddSingleton<WireClient>();
        services.AddSingleton(sp => new WireRelay(
            sp.GetRequiredService<WireClient>(),
            sp.GetRequiredService<ILogger<WireRelay>>(),
            options,
            sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton<IWireRelay>(sp => sp.GetRequiredService<WireRelay>());
        return services;
    }

    /// <summary>Maps the wire service (the node listener's fence lets it through; see <see cref="MapNodeApi"/>).</summary>
    public static WebApplication MapWireService(this WebApplication app)
    {
        app.MapGrpcService<WireService>();
        return app;
    }
}
