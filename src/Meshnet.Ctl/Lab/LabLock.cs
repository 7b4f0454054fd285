namespace Meshnet.Ctl.Lab;

/// <summary>
/// Serializes <c>lab up</c>/<c>down</c> of one lab across processes with an exclusive lock file, so two people (or
/// scripts) converging the same lab at once cannot interleave kernel changes.
/// </summary>
internal static class LabLock
{
    public static IDisposable Acquire(string lab)
    {
        var dir = Environment.GetEnvironmentVariable("MESHNET_RUN_DIR") ?? "/run/meshnet";
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"lab.{lab}.lock");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            try
            {
                // FileShare.None makes .NET take an exclusive advisory lock (flock) on the file.
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }
}
