using Grpc.Core;
using Meshnet.Daemon.Security;
using Meshnet.Protocol.V1;
using Meshnet.Wire;

namespace Meshnet.Daemon.NodeApi;

/// <summary>
/// The server side of wire streams: a peer node's Binds, Unbinds and frames for this node's wire ends. The caller is
/// the node its client certificate names; the relay accepts from it only what concerns ends wired to that node.
/// </summary>
internal sealed class WireService(WireRelay relay, NodeCertificateValidator validator, IHostApplicationLifetime lifetime) : NodeWire.NodeWireBase
{
    public override async Task Stream(IAsyncStreamReader<WireMessage> requestStream, IServerStreamWriter<WireMessage> responseStream, ServerCallContext context)
    {
        var caller = CallerIdentity.NodeOf(context, validator);

        // Headers at once: the caller takes them as "stream open" and only then counts its wires as connected.
        await context.WriteResponseHeadersAsync([]);
        // A wire stream never ends by itself: end it when the daemon stops, or Kestrel would wait out its shutdown
        // timeout for it (the peer reconnects to the next daemon).
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await relay.ServeAsync(caller, requestStream, ended.Token);
        }
        catch (OperationCanceledException) when (ended.IsCancellationRequested)
        {
            // The caller went away or the daemon is stopping; the relay has already unbound what it bound.
        }
    }
}
