using System.Security.Cryptography;

namespace Meshnet.Daemon.Security;

/// <summary>Which side of a TLS handshake a node certificate is presented on; checked against its extended key usage.</summary>
internal enum NodeCertificatePurpose
{
    /// <summary>A peer calling us (TLS client authentication).</summary>
    Client,

    /// <summary>The peer we call (TLS server authentication).</summary>
    Server,
}

/// <summary>The extended key usage OIDs of TLS (RFC 5280 4.2.1.12).</summary>
internal static class KeyPurposeOids
{
    public const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static Oid For(NodeCertificatePurpose purpose) =>
        new(purpose == NodeCertificatePurpose.Client ? ClientAuth : ServerAuth);
}
