using System.Security.Cryptography.X509Certificates;

namespace Meshnet.Daemon.Security;

/// <summary>Who a validated certificate belongs to, or why it was refused.</summary>
internal readonly record struct NodeIdentity(string? NodeName, string? Error)
{
    public bool IsValid => NodeName is not null;

    public static NodeIdentity Refused(string error) => new(null, error);
}

/// <summary>
/// Decides whether a certificate is a node certificate of THIS cluster: it must chain directly to the cluster CA
/// (the only trust anchor: the machine's own roots play no part), be in its validity period, allow the TLS purpose it
/// is used for, not itself be a CA, and name exactly one node (DNS SAN, equal to the CN).
/// </summary>
internal sealed class NodeCertificateValidator(X509Certificate2 caCertificate, TimeProvider time)
{
    public X509Certificate2 CaCertificate { get; } = caCertificate;

    public NodeIdentity Validate(X509Certificate2? certificate, NodeCertificatePurpose purpose)
    {
        if (certificate is null)
        {
            return NodeIdentity.Refused("no certificate was presented");
        }

        if (ChainError(certificate, purpose) is { } chainError)
        {
            return NodeIdentity.Refused(chainError);
        }

        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority))
        {
            return NodeIdentity.Refused("a CA certificate is not a node certificate");
        }

        var dnsNames = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames()).ToList();
        var commonName = certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        if (dnsNames is not [var name] || name != commonName || !DnsNames.IsSubdomain(name))
        {
            return NodeIdentity.Refused($"the certificate must name one node (one DNS SAN equal to the CN), not CN '{commonName}' SAN [{string.Join(", ", dnsNames)}]");
        }

        return new NodeIdentity(name, null);
    }

    private string? ChainError(X509Certificate2 certificate, NodeCertificatePurpose purpose)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(CaCertificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        chain.ChainPolicy.ApplicationPolicy.Add(KeyPurposeOids.For(purpose));
        if (!chain.Build(certificate))
        {
            var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct();
            return $"certificate '{certificate.Subject}' is not valid for this cluster: {string.Join("; ", reasons)}";
        }

        // Signed by the cluster CA itself: no intermediates exist in this PKI, so none are accepted.
        return chain.ChainElements is [_, var root] && root.Certificate.RawDataMemory.Span.SequenceEqual(CaCertificate.RawDataMemory.Span)
            ? null
            : $"certificate '{certificate.Subject}' is not issued directly by the cluster CA";
    }
}
