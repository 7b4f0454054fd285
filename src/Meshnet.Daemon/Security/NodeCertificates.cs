using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Meshnet.Daemon.Security;

/// <summary>
/// Node certificates: CN and the one DNS SAN are the node name, IP SANs are the node's addresses, usable as TLS
/// server and client (each node is both). Persisted per node as <c>node-NAME.crt</c>/<c>node-NAME.key</c> and
/// reused while valid for this CA, name and addresses.
/// </summary>
internal static class NodeCertificates
{
    public static readonly TimeSpan Validity = TimeSpan.FromDays(365);

    /// <summary>A certificate this close to expiry is replaced at the next start rather than reused.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    /// <summary>Certificates start this long in the past, so a peer whose clock lags a little accepts them.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public static string CertificatePath(string directory, string nodeName) => Path.Combine(directory, $"node-{nodeName}.crt");

    public static string KeyPath(string directory, string nodeName) => Path.Combine(directory, $"node-{nodeName}.key");

    /// <summary>A new certificate (with its private key) for <paramref name="nodeName"/>, signed by <paramref name="ca"/>.</summary>
    public static X509Certificate2 Issue(ClusterCa ca, string nodeName, IReadOnlyCollection<IPAddress> addresses, TimeProvider time)
    {
        if (!DnsNames.IsSubdomain(nodeName))
        {
            throw new ArgumentException($"Node name '{nodeName}' is not a DNS subdomain (RFC 1123); it cannot name a certificate.", nameof(nodeName));
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={nodeName}"), key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(nodeName);
        foreach (var address in addresses.Distinct())
        {
            san.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(san.Build(critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [KeyPurposeOids.For(NodeCertificatePurpose.Server), KeyPurposeOids.For(NodeCertificatePurpose.Client)], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca.Certificate, true, false));

        var now = time.GetUtcNow();
        var notAfter = now + Validity < ca.Certificate.NotAfter ? now + Validity : new DateTimeOffset(ca.Certificate.NotAfter);
        using var issued = request.Create(ca.Certificate, now - ClockSkew, notAfter, RandomSerial());
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>
    /// This node's certificate from <paramref name="directory"/> when it is still good (signed by this CA, same name
    /// and addresses, not about to expire); otherwise a newly issued one, saved there (key mode 0600).
    /// </summary>
    public static X509Certificate2 LoadOrIssue(ClusterCa ca, string directory, string nodeName, IReadOnlyCollection<IPAddress> addresses, TimeProvider time)
    {
        Directory.CreateDirectory(directory, PrivateFiles.DirectoryMode);
        string certificatePath = CertificatePath(directory, nodeName), keyPath = KeyPath(directory, nodeName);
        if (TryLoad(certificatePath, keyPath) is { } existing)
        {
            if (IsReusable(existing, ca, nodeName, addresses, time))
            {
                return existing;
            }

            existing.Dispose();
        }

        var issued = Issue(ca, nodeName, addresses, time);
        using (var key = issued.GetECDsaPrivateKey()!)
        {
            PrivateFiles.WriteAtomically(keyPath, key.ExportPkcs8PrivateKeyPem(), PrivateFiles.SecretMode);
        }

        PrivateFiles.WriteAtomically(certificatePath, issued.ExportCertificatePem(), PrivateFiles.PublicMode);
        return issued;
    }

    /// <summary>IP SANs of a certificate.</summary>
    public static IReadOnlySet<IPAddress> AddressesOf(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateIPAddresses()).ToHashSet();

    private static X509Certificate2? TryLoad(string certificatePath, string keyPath)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            return null;
        }

        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (CryptographicException)
        {
            return null; // a pair that does not match (or a torn write from a crash): issue afresh
        }
    }

    private static bool IsReusable(X509Certificate2 existing, ClusterCa ca, string nodeName, IReadOnlyCollection<IPAddress> addresses, TimeProvider time) =>
        existing.NotAfter.ToUniversalTime() - time.GetUtcNow().UtcDateTime > RenewBefore
        && new NodeCertificateValidator(ca.PublicCertificate, time).Validate(existing, NodeCertificatePurpose.Client) is { NodeName: { } name }
        && name == nodeName
        && AddressesOf(existing).SetEquals(addresses);

    private static byte[] RandomSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f; // a positive DER integer
        return serial;
    }
}
