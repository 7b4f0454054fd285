using System.Net;
using Meshnet.Daemon.NodeApi;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Meshnet.Daemon.Tests.NodeApi;

/// <summary>
/// A real Kestrel host for node-b, wired as the daemon wires it: the mutual-TLS node listener on 127.0.0.1 (random
/// port), plus a plain HTTP/2 listener standing in for the daemon's Unix socket, and one unrelated endpoint that the
/// node listener must not serve.
/// </summary>
internal sealed class NodeApiServer : IAsyncDisposable
{
    public const string UnrelatedPath = "/unrelated";

    private readonly WebApplication _app;

    private NodeApiServer(WebApplication app, IPEndPoint tls, Uri plain, LogCapture logs)
    {
        _app = app;
        TlsEndpoint = tls;
        PlainAddress = plain;
        Logs = logs;
    }

    /// <summary>Everything the server logged.</summary>
    public LogCapture Logs { get; }

    public IPEndPoint TlsEndpoint { get; }

    public Uri TlsAddress => new($"https://{TlsEndpoint}");

    public Uri PlainAddress { get; }

    public static async Task<NodeApiServer> StartAsync(NodeApiWorld world)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var logs = new LogCapture();
        builder.Logging.AddProvider(logs);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenNodeApi(new IPEndPoint(IPAddress.Loopback, 0), world.ThisNodeTls);
            k.Listen(IPAddress.Loopback, 0, o => o.Protocols = HttpProtocols.Http2);
        });
        builder.Services.AddSingleton(world.Cache);
        builder.Services.AddSingleton(world.Queue);
        builder.Services.AddNodeApi(world.ThisNodeTls);
        var app = builder.Build();
        app.MapNodeApi();
        app.MapGet(UnrelatedPath, () => "reachable");
        await app.StartAsync();

        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        var tls = addresses.Single(a => a.Scheme == "https");
        return new NodeApiServer(app, new IPEndPoint(IPAddress.Loopback, tls.Port), addresses.Single(a => a.Scheme == "http"), logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
