using System.Net;
using Meshnet.Daemon.Security;
using Meshnet.Daemon.Topologies;
using Meshnet.Protocol.V1;
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

    private const string ListenerMarker = "meshnet.node-api";
    private static readonly string ServicePath = $"/{NodeLinks.Descriptor.FullName}";

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
            if (onNodeListener && !context.Request.Path.StartsWithSegments(ServicePath, StringComparison.Ordinal))
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            }

            return next(context);
        });
        app.MapGrpcService<NodeLinksService>();
        return app;
    }
}
