namespace Meshnet.Daemon.Security;

/// <summary>The cluster CA as stored: its certificate and its PKCS#8 private key, both PEM.</summary>
internal sealed record CaPem(string CertificatePem, string KeyPem);

/// <summary>
/// Where the cluster CA is kept: files in a directory (SQLite mode, <see cref="FileCaSource"/>) or a Secret in
/// namespace <c>meshnet</c> (Kubernetes). Its one operation is an atomic create-if-absent, so daemons starting at
/// the same instant end up with one CA: the first candidate stored wins and every caller gets the stored one.
/// A Secret implementation is GET; on 404 POST the candidate; on 409 (someone was first) GET again.
/// </summary>
internal interface ICaSource
{
    /// <summary>
    /// The stored CA; when there is none, stores <paramref name="create"/>'s result and returns it, or, when another
    /// creator stored one first, returns theirs. <paramref name="create"/> is only called when nothing is stored.
    /// </summary>
    Task<CaPem> LoadOrCreateAsync(Func<CaPem> create, CancellationToken ct);
}
