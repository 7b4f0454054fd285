using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Meshnet.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// A reverse proxy between the daemon and the API server that makes concurrent writers deterministic: before it
/// forwards one of the daemon's Topology status writes, another client writes the same object (through
/// <c>interfere</c>), so the daemon's write carries a stale resourceVersion and must get 409 and start over. Everything
/// else, watches included, streams through unchanged. Counts the conflicts the daemon got back.
/// </summary>
internal sealed partial class InterferingProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _upstream = new(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = Timeout.InfiniteTimeSpan };
    private readonly Uri _target;
    private readonly Func<PodKey, Task> _interfere;
    private int _interferencesLeft;
    private int _conflicts;

    private InterferingProxy(Uri target, Func<PodKey, Task> interfere)
    {
        _target = target;
        _interfere = interfere;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Run(ForwardAsync);
    }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Objects another client wrote just before the daemon's write, in order.</summary>
    public ConcurrentQueue<PodKey> Interfered { get; } = new();

    /// <summary>409 responses passed back to the daemon.</summary>
    public int ConflictsReturned => Volatile.Read(ref _conflicts);

    /// <summary>A proxy to <paramref name="target"/>, passing everything through until <see cref="Arm"/> is called.</summary>
    public static async Task<InterferingProxy> StartAsync(Uri target, Func<PodKey, Task> interfere)
    {
        var proxy = new InterferingProxy(target, interfere);
        await proxy._app.StartAsync();
        var address = proxy._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        proxy.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return proxy;
    }

    /// <summary>Lets <paramref name="count"/> more of the daemon's status writes be preceded by the other client's write.</summary>
    public void Arm(int count) => Interlocked.Exchange(ref _interferencesLeft, count);

    private async Task ForwardAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.Method is "PATCH" or "PUT" && StatusPath().Match(request.Path.Value!) is { Success: true } m
            && Interlocked.Decrement(ref _interferencesLeft) >= 0)
        {
            var key = new PodKey(m.Groups["ns"].Value, m.Groups["name"].Value);
            await _interfere(key);
            Interfered.Enqueue(key);
        }

        using var forward = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(_target, request.Path.Value!.TrimStart('/') + request.QueryString));
        if (request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body, context.RequestAborted);
            forward.Content = new ByteArrayContent(body.ToArray());
            forward.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        }

        forward.Headers.TryAddWithoutValidation("Accept", request.Headers.Accept.ToString());
        using var response = await _upstream.SendAsync(forward, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            Interlocked.Increment(ref _conflicts);
        }

        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        await context.Response.StartAsync(context.RequestAborted);
        try
        {
            // Streams watches line by line as the server sends them (Kestrel flushes each write).
            await using var stream = await response.Content.ReadAsStreamAsync(context.RequestAborted);
            await stream.CopyToAsync(context.Response.Body, context.RequestAborted);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            // Either side went away: so does this response.
        }
    }

    [GeneratedRegex("^/apis/networkop\\.co\\.uk/v1beta1/namespaces/(?<ns>[^/]+)/topologies/(?<name>[^/]+)/status$")]
    private static partial Regex StatusPath();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _upstream.Dispose();
    }
}
