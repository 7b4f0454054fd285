using System.Net;
using Grpc.Core;
using Meshnet.Protocol.V1;

namespace Meshnet.Wire;

/// <summary>
/// Opens wire streams to peer nodes. The daemon's implementation calls <c>NodeWire.Stream</c> over mutual TLS and
/// accepts the server only when its certificate names the peer node it meant to reach.
/// </summary>
public interface IWireConnector
{
    /// <summary>Starts one wire stream to <paramref name="peerNode"/> at <paramref name="endpoint"/>.</summary>
    AsyncDuplexStreamingCall<WireMessage, WireMessage> Open(string peerNode, IPEndPoint endpoint, CancellationToken cancellationToken);
}
