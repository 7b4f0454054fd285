namespace Meshnet.Ctl.Lab;

/// <summary>
/// Serializes <c>lab up</c>/<c>down</c> of one lab across processes with an exclusive lock file
/// (<c>/run/meshnet/lab.NAME.lock</c>), so two people (or scripts) converging the same lab at once cannot interleave
/// kernel changes. <c>lab down</c> removes the file (<see cref="Lease.RemoveOnRelease"/>).
/// </summary>
internal static class LabLock
{
    public static Lease Acquire(string lab)
    {
        var dir = Environment.GetEnvironmentVariable("MESHNET_RUN_DIR") ?? "/run/meshnet";
        Directory.CreateDirectory(dir);
        var path = PathOf(dir, lab);
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            FileStream? file = null;
            try
            {
                // FileShare.None makes .NET take an exclusive advisory lock (flock) on the file.
                file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                if (StillNamed(file))
                {
                    return new Lease(path, file);
                }
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
            }

            // Locked by someone else, or the file was removed by a `lab down` between our open and our lock.
            file?.Dispose();
            Thread.Sleep(100);
        }
    }

    public static string PathOf(string runDir, string lab) => Path.Combine(runDir, $"lab.{lab}.lock");

    /// <summary>
    /// Whether the locked file is still the one at its path: a holder that removed the file before letting go leaves a
    /// waiter that opened it earlier locking a file nobody else can see, while a newcomer creates and locks a new one.
    /// The kernel marks a descriptor of a removed file "(deleted)" in /proc/self/fd.
    /// </summary>
    private static bool StillNamed(FileStream file)
    {
        var target = new FileInfo($"/proc/self/fd/{file.SafeFileHandle.DangerousGetHandle()}").LinkTarget;
        return target is not null && !target.EndsWith(" (deleted)", StringComparison.Ordinal);
    }

    /// <summary>The held lock; disposing releases it (and removes the file when asked to).</summary>
    internal sealed class Lease(string path, FileStream file) : IDisposable
    {
        /// <summary>Remove the lock file on release (the lab is gone; the lock has nothing left to guard).</summary>
        public bool RemoveOnRelease { get; set; }

        public void Dispose()
        {
            if (RemoveOnRelease)
            {
                // Removed while still locked, so a waiter cannot take the lock on the file we are about to remove.
                File.Delete(path);
            }

            file.Dispose();
        }
    }
}
