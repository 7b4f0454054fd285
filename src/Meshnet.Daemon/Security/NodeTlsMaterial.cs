using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Meshnet.Daemon.Security;

/// <summary>
/// What this node needs for mutual TLS with its peers: its own certificate (with key) and the validator that accepts
/// exactly the cluster's node certificates. Built once at start, before Kestrel is configured.
/// </summary>
internal sealed class NodeTlsMaterial(string nodeName, X509Certificate2 certificate, NodeCertificateValidator validator) : IDisposable
{
    public string NodeName { get; } = nodeName;

    /// <summary>This node's certificate with its private key, presented as server and as client.</summary>
    public X509Certificate2 Certificate { get; } = certificate;

    public NodeCertificateValidator Validator { get; } = validator;

    /// <summary>
    /// Loads (or creates) the cluster CA from <paramref name="caSource"/>, then loads this node's certificate from
    /// <paramref name="certificateDirectory"/> or issues and saves a new one.
    /// </summary>
    public static async Task<NodeTlsMaterial> LoadAsync(ICaSource caSource, string certificateDirectory, string nodeName,
        IReadOnlyCollection<IPAddress> addresses, TimeProvider time, CancellationToken ct)
    {
        using var ca = await ClusterCa.LoadOrCreateAsync(caSource, time, ct);
        return FromCa(ca, NodeCertificates.LoadOrIssue(ca, certificateDirectory, nodeName, addresses, time), nodeName, time);
    }

    /// <summary>Material around an already issued certificate (tests, or a caller that issues in memory).</summary>
    public static NodeTlsMaterial FromCa(ClusterCa ca, X509Certificate2 certificate, string nodeName, TimeProvider time) =>
        new(nodeName, certificate, new NodeCertificateValidator(X509CertificateLoader.LoadCertificate(ca.PublicCertificate.RawData), time));

    public void Dispose()
    {
        Certificate.Dispose();
        Validator.CaCertificate.Dispose();
    }
}
