using Meshnet.Store.Kubernetes;

namespace Meshnet.Daemon.Security;

/// <summary>
/// The cluster CA as the <c>kubernetes.io/tls</c> Secret <c>meshnet-ca</c> in namespace <c>meshnet</c> (Kubernetes
/// mode). An operator may create it beforehand (any CA with its key, e.g. from cert-manager); otherwise the first
/// daemon to start creates it, and daemons racing to do so all end up with the one the API server accepted first
/// (see <see cref="KubernetesTlsSecrets.GetOrCreateAsync"/>). A Secret that does not parse is an error, never replaced.
/// </summary>
internal sealed class KubernetesSecretCaSource(KubernetesTlsSecrets secrets) : ICaSource
{
    public const string Namespace = "meshnet";
    public const string SecretName = "meshnet-ca";

    public async Task<CaPem> LoadOrCreateAsync(Func<CaPem> create, CancellationToken ct)
    {
        var pem = await secrets.GetOrCreateAsync(Namespace, SecretName, () =>
        {
            var created = create();
            return new TlsSecretPem(created.CertificatePem, created.KeyPem);
        }, ct);
        return new CaPem(pem.CertificatePem, pem.KeyPem);
    }
}
