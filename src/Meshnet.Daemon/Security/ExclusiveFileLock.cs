namespace Meshnet.Daemon.Security;

/// <summary>
/// An exclusive advisory lock on a file, held while the object lives. .NET takes <c>flock(LOCK_EX|LOCK_NB)</c> for
/// <see cref="FileShare.None"/> on Linux; the lock belongs to the open file, so it excludes other processes and other
/// opens in this process alike, and the kernel drops it when a holder dies.
/// </summary>
internal sealed class ExclusiveFileLock : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan GiveUp = TimeSpan.FromSeconds(30);

    private readonly FileStream _file;

    private ExclusiveFileLock(FileStream file) => _file = file;

    public static async Task<ExclusiveFileLock> AcquireAsync(string path, CancellationToken ct)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.None,
            UnixCreateMode = PrivateFiles.SecretMode,
        };
        var deadline = DateTime.UtcNow + GiveUp;
        while (true)
        {
            try
            {
                return new ExclusiveFileLock(new FileStream(path, options));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                // Held by another daemon (or by this one, through another open): wait our turn.
                await Task.Delay(Poll, ct);
            }
            catch (IOException e)
            {
                throw new TimeoutException($"Could not lock {path} within {GiveUp.TotalSeconds:0} s: {e.Message}", e);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
