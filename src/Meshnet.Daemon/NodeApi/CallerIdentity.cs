using Grpc.Core;
using Meshnet.Daemon.Security;

namespace Meshnet.Daemon.NodeApi;

/// <summary>
/// The calling node's name, from the client certificate of the TLS connection the call arrived on. Kestrel has
/// already checked it during the handshake; it is checked again here so that the service is safe on any listener
/// (a call over the plain Unix socket has no certificate and is refused).
/// </summary>
internal static class CallerIdentity
{
    public static string NodeOf(ServerCallContext context, NodeCertificateValidator validator)
    {
        var certificate = context.GetHttpContext().Connection.ClientCertificate;
        var identity = validator.Validate(certificate, NodeCertificatePurpose.Client);
        return identity.NodeName ?? throw new RpcException(new Status(StatusCode.Unauthenticated,
            $"the node API needs a node certificate of this cluster over mutual TLS: {identity.Error}"));
    }
}
