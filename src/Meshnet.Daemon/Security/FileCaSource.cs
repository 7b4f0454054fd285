namespace Meshnet.Daemon.Security;

/// <summary>
/// The cluster CA as <c>ca.crt</c> and <c>ca.key</c> in a directory shared by the daemons of one machine (SQLite
/// mode). Daemons starting together serialize on an exclusive lock on <c>ca.lock</c>, so exactly one of them creates
/// the CA; each file is written to a temporary name and renamed into place, so no one ever reads half a file.
/// </summary>
internal sealed class FileCaSource(string directoryPath) : ICaSource
{
    public const string CertificateFile = "ca.crt";
    public const string KeyFile = "ca.key";
    public const string LockFile = "ca.lock";

    public string DirectoryPath { get; } = directoryPath;

    public string CertificatePath => Path.Combine(DirectoryPath, CertificateFile);

    public string KeyPath => Path.Combine(DirectoryPath, KeyFile);

    public async Task<CaPem> LoadOrCreateAsync(Func<CaPem> create, CancellationToken ct)
    {
        Directory.CreateDirectory(DirectoryPath, PrivateFiles.DirectoryMode);
        using var held = await ExclusiveFileLock.AcquireAsync(Path.Combine(DirectoryPath, LockFile), ct);
        bool hasCertificate = File.Exists(CertificatePath), hasKey = File.Exists(KeyPath);
        if (hasCertificate && hasKey)
        {
            return new CaPem(await File.ReadAllTextAsync(CertificatePath, ct), await File.ReadAllTextAsync(KeyPath, ct));
        }

        if (hasCertificate || hasKey)
        {
            // Making a new CA here would silently orphan every node certificate issued by the old one.
            throw new InvalidOperationException(
                $"{DirectoryPath} holds only one of {CertificateFile} and {KeyFile}; refusing to create a second cluster CA over it. " +
                "Restore the missing file, or remove both to start a new CA (every node certificate is then reissued).");
        }

        var pem = create();
        PrivateFiles.WriteAtomically(KeyPath, pem.KeyPem, PrivateFiles.SecretMode);
        PrivateFiles.WriteAtomically(CertificatePath, pem.CertificatePem, PrivateFiles.PublicMode);
        return pem;
    }
}
