using Grpc.Core;
using Meshnet.Cni.Spec;
using Meshnet.Protocol;
using Meshnet.Protocol.V1;

namespace Meshnet.Cni.Daemon;

/// <summary>
/// Calls meshnetd over its Unix socket. The channel is created on first use only, so that VERSION and
/// pass-through paths never pay for it.
/// </summary>
internal sealed class DaemonClient(string socketPath) : IDisposable
{
    /// <summary>ADD / DEL / CHECK / GC: the daemon registers and returns; it never waits for peers.</summary>
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(5);

    private Grpc.Net.Client.GrpcChannel? _channel;

    public string SocketPath { get; } = socketPath;

    public Task<CniReply?> AddAsync(CniRequest request) => CallAsync((c, o) => c.AddAsync(request, o), CallTimeout);

    public Task<CniReply?> DelAsync(CniRequest request) => CallAsync((c, o) => c.DelAsync(request, o), CallTimeout);

    public Task<CniReply?> CheckAsync(CniRequest request) => CallAsync((c, o) => c.CheckAsync(request, o), CallTimeout);

    public Task<CniReply?> GcAsync(GcRequest request) => CallAsync((c, o) => c.GcAsync(request, o), CallTimeout);

    public Task<CniReply?> StatusAsync(StatusRequest request) => CallAsync((c, o) => c.StatusAsync(request, o), StatusTimeout);

    /// <summary>
    /// The daemon's reply, or null when the daemon cannot be reached at all (no socket, nobody listening):
    /// the caller then decides from the topology index. A daemon that is reached but fails is an error here.
    /// </summary>
    private async Task<CniReply?> CallAsync(
        Func<CniBackend.CniBackendClient, CallOptions, AsyncUnaryCall<CniReply>> call, TimeSpan timeout)
    {
        // Cheaper than a connect attempt, and the common case when the daemon is not installed or not started.
        if (!File.Exists(SocketPath))
        {
            return null;
        }
        _channel ??= DaemonChannel.ForUnixSocket(SocketPath);
        var client = new CniBackend.CniBackendClient(_channel);
        try
        {
            return await call(client, new CallOptions(deadline: DateTime.UtcNow + timeout));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable)
        {
            return null;
        }
        catch (RpcException e) when (e.StatusCode is StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted)
        {
            throw new CniException(CniErrorCode.TryAgainLater,
                $"meshnet daemon at {SocketPath} did not answer in time; try again later", e.Status.Detail);
        }
        catch (RpcException e)
        {
            throw new CniException(CniErrorCode.DaemonCallFailed,
                $"meshnet daemon at {SocketPath} failed the call: {e.StatusCode}", e.Status.Detail);
        }
    }

    public void Dispose() => _channel?.Dispose();
}
