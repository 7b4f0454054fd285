using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Meshnet.Daemon.Security;

/// <summary>
/// The cluster's certificate authority: a self-signed ECDSA P-256 certificate and its key. It signs the node
/// certificates, and it is the only root nodes trust when they authenticate each other.
/// </summary>
internal sealed class ClusterCa : IDisposable
{
    public const string SubjectName = "CN=meshnet cluster CA";
    public static readonly TimeSpan Validity = TimeSpan.FromDays(3650);

    private ClusterCa(X509Certificate2 certificate)
    {
        Certificate = certificate;
        PublicCertificate = X509CertificateLoader.LoadCertificate(certificate.RawData);
    }

    /// <summary>The CA certificate with its private key, for signing.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The same certificate without the key: the trust anchor handed to validation.</summary>
    public X509Certificate2 PublicCertificate { get; }

    /// <summary>Loads the CA from <paramref name="source"/>, creating and storing a new one there when it has none.</summary>
    public static async Task<ClusterCa> LoadOrCreateAsync(ICaSource source, TimeProvider time, CancellationToken ct) =>
        FromPem(await source.LoadOrCreateAsync(() => CreatePem(time), ct));

    /// <summary>A CA supplied as PEM (an operator's Secret); throws when the pair is mismatched or is not a CA.</summary>
    public static ClusterCa FromPem(CaPem pem)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(pem.CertificatePem, pem.KeyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException($"The cluster CA is not a usable certificate and matching key: {e.Message}", e);
        }

        if (certificate.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault() is not { CertificateAuthority: true }
            || certificate.GetECDsaPrivateKey() is not { } key)
        {
            certificate.Dispose();
            throw new InvalidOperationException("The cluster CA must be an ECDSA CA certificate (basic constraints CA:true) with its key.");
        }

        key.Dispose();
        return new ClusterCa(certificate);
    }

    /// <summary>A new CA, valid for <see cref="Validity"/> from now (backdated a little for clock skew between nodes).</summary>
    public static CaPem CreatePem(TimeProvider time)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(SubjectName, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now - NodeCertificates.ClockSkew, now + Validity);
        return new CaPem(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose()
    {
        Certificate.Dispose();
        PublicCertificate.Dispose();
    }
}
