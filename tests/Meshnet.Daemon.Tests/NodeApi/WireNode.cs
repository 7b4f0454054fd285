using System.Net;
using Meshnet.Daemon.NodeApi;
using Meshnet.Daemon.Security;
using Meshnet.Wire;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Meshnet.Daemon.Tests.NodeApi;

/// <summary>
/// One emulated node's daemon as far as wires go: a real Kestrel host with the mutual-TLS node listener on
/// 127.0.0.1 (a given port, so that a restarted node is found where its peers expect it), the node API and the wire
/// relay registered and mapped exactly as the daemon does (<see cref="NodeApiHosting.AddWireRelay"/>).
/// </summary>
internal sealed class WireNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WireNode(WebApplication app, IPEndPoint endpoint)
    {
        _app = app;
        Endpoint = endpoint;
        Relay = app.Services.GetRequiredService<WireRelay>();
    }

    public IPEndPoint Endpoint { get; }

    public WireRelay Relay { get; }

    public IWireRelay Contract => _app.Services.GetRequiredService<IWireRelay>();

    public static async Task<WireNode> StartAsync(NodeApiWorld world, NodeTlsMaterial tls, int port = 0, WireRelayOptions? options = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenNodeApi(new IPEndPoint(IPAddress.Loopback, port), tls));
        builder.Services.AddSingleton(world.Cache);
        builder.Services.AddSingleton(world.Queue);
        builder.Services.AddNodeApi(tls);
        builder.Services.AddWireRelay(options);
        var app = builder.Build();
        app.MapNodeApi();
        app.MapWireService();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        return new WireNode(app, new IPEndPoint(IPAddress.Loopback, address.Port));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
