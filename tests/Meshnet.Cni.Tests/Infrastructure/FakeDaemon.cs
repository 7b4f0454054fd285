using System.Collections.Concurrent;
using Grpc.Core;
using Meshnet.Protocol.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Meshnet.Cni.Tests.Infrastructure;

/// <summary>
/// A stand-in for meshnetd: serves CniBackend on a Unix socket with canned replies and records what it was asked.
/// </summary>
public sealed class FakeDaemon : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeDaemon(WebApplication app, Backend backend)
    {
        _app = app;
        Calls = backend;
    }

    /// <summary>What each RPC answers; replace to script a scenario.</summary>
    public Func<string, CniReply> Reply
    {
        get => Calls.Reply;
        set => Calls.Reply = value;
    }

    public Backend Calls { get; }

    public static async Task<FakeDaemon> StartAsync(string socketPath)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.ListenUnixSocket(socketPath, listen => listen.Protocols = HttpProtocols.Http2));
        var backend = new Backend();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(backend);
        var app = builder.Build();
        app.MapGrpcService<Backend>();
        await app.StartAsync();
        return new FakeDaemon(app, backend);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>The service implementation; one instance per fake (registered as a singleton).</summary>
    public sealed class Backend : CniBackend.CniBackendBase
    {
        public Func<string, CniReply> Reply { get; set; } = _ => new CniReply { HasTopology = false };

        public ConcurrentQueue<(string Method, CniRequest Request)> Requests { get; } = new();

        public ConcurrentQueue<GcRequest> GcRequests { get; } = new();

        public ConcurrentQueue<StatusRequest> StatusRequests { get; } = new();

        public override Task<CniReply> Add(CniRequest request, ServerCallContext context) => Record("Add", request);

        public override Task<CniReply> Del(CniRequest request, ServerCallContext context) => Record("Del", request);

        public override Task<CniReply> Check(CniRequest request, ServerCallContext context) => Record("Check", request);

        public override Task<CniReply> Gc(GcRequest request, ServerCallContext context)
        {
            GcRequests.Enqueue(request);
            return Task.FromResult(Reply("Gc"));
        }

        public override Task<CniReply> Status(StatusRequest request, ServerCallContext context)
        {
            StatusRequests.Enqueue(request);
            return Task.FromResult(Reply("Status"));
        }

        private Task<CniReply> Record(string method, CniRequest request)
        {
            Requests.Enqueue((method, request));
            return Task.FromResult(Reply(method));
        }
    }
}
