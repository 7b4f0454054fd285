using System.Net;
using Meshnet.Daemon.Security;
using Microsoft.AspNetCore.Connections;

namespace Meshnet.Daemon.NodeApi;

/// <summary>
/// Says why the node API refused a TLS client (no certificate, another cluster's CA, an expired or non-node
/// certificate) and who it was, which Kestrel only logs at Debug without the reason. A peer that keeps retrying gets
/// one line per <see cref="Interval"/>, with the count of refusals since its last line, so a misconfigured node (or a
/// scanner) cannot flood the log; the table of peers is bounded.
/// </summary>
internal sealed partial class TlsRejectionLog(ILogger<TlsRejectionLog> logger, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    private const int MaxPeers = 1024;

    private readonly Dictionary<IPAddress, (DateTimeOffset Logged, int Suppressed)> _peers = [];
    private readonly Lock _gate = new();

    /// <summary>The handshake of the connection this async flow serves (set by <see cref="WatchAsync"/>).</summary>
    private static readonly AsyncLocal<Handshake?> Current = new();

    /// <summary>
    /// Runs one node-API connection (placed before Kestrel's TLS middleware) and logs it as refused when its TLS
    /// handshake did not complete: Kestrel drops such connections with a Debug line and without the reason.
    /// </summary>
    public async Task WatchAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var handshake = new Handshake();
        Current.Value = handshake;
        try
        {
            await next(connection);
        }
        finally
        {
            Current.Value = null;
        }

        if (!handshake.Completed)
        {
            Refused(connection.RemoteEndPoint, handshake.Reason ?? "TLS handshake failed: no client certificate was presented, or the client does not speak TLS");
        }
    }

    /// <summary>Placed after Kestrel's TLS middleware, which calls it only once the handshake has succeeded.</summary>
    public static ConnectionDelegate MarkHandshakeCompleted(ConnectionDelegate next) => connection =>
    {
        Current.Value?.Completed = true;
        return next(connection);
    };

    /// <summary>The certificate check's verdict, kept as the reason when it refuses (the callback has no connection).</summary>
    public static bool Verdict(NodeIdentity identity)
    {
        if (!identity.IsValid && Current.Value is { } handshake)
        {
            handshake.Reason = identity.Error;
        }

        return identity.IsValid;
    }

    /// <summary>Logs one refusal, unless this peer was logged less than <see cref="Interval"/> ago (then it is counted).</summary>
    public void Refused(EndPoint? remote, string reason)
    {
        var address = (remote as IPEndPoint)?.Address ?? IPAddress.None;
        var now = time.GetUtcNow();
        int suppressed;
        lock (_gate)
        {
            if (_peers.TryGetValue(address, out var seen) && now - seen.Logged < Interval)
            {
                _peers[address] = seen with { Suppressed = seen.Suppressed + 1 };
                return;
            }

            if (_peers.Count >= MaxPeers)
            {
                foreach (var old in _peers.Where(p => now - p.Value.Logged >= Interval).Select(p => p.Key).ToList())
                {
                    _peers.Remove(old);
                }

                if (_peers.Count >= MaxPeers)
                {
                    _peers.Clear(); // every entry is recent: a flood from many addresses; start counting again
                }
            }

            suppressed = seen.Suppressed;
            _peers[address] = (now, 0);
        }

        LogRefused(logger, remote?.ToString() ?? "unknown peer", reason, suppressed);
    }

    private sealed class Handshake
    {
        public bool Completed { get; set; }

        public string? Reason { get; set; }
    }

    [LoggerMessage(EventId = 520, Level = LogLevel.Warning, Message = "Node API refused a TLS connection from {Peer}: {Reason} ({Suppressed} more refusals from it not logged since its last line)")]
    private static partial void LogRefused(ILogger logger, string peer, string reason, int suppressed);
}
