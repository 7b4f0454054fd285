using System.Text;

namespace Meshnet.Protocol;

/// <summary>
/// Writes files so that a reader sees either the old content or the new, never a torn mix:
/// write a temporary sibling, flush it to disk, then rename over the target (rename is atomic within a filesystem).
/// </summary>
public static class AtomicFile
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> (UTF-8, no BOM).</summary>
    public static void WriteAllText(string path, string content, UnixFileMode mode = DefaultMode) =>
        WriteAllBytes(path, Encoding.UTF8.GetBytes(content), mode);

    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/>.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> content, UnixFileMode mode = DefaultMode)
    {
        string temp = TempSibling(path);
        try
        {
            using (var stream = CreateExclusive(temp, mode))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, mode); // the create mode went through the umask
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Copies <paramref name="source"/> over <paramref name="destination"/> atomically.</summary>
    public static void Copy(string source, string destination, UnixFileMode mode)
    {
        string temp = TempSibling(destination);
        try
        {
            using (var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read))
            using (var output = CreateExclusive(temp, mode))
            {
                input.CopyTo(output);
                output.Flush(flushToDisk: true);
            }
            File.SetUnixFileMode(temp, mode); // the create mode went through the umask
            File.Move(temp, destination, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>rw-r--r--: readable by everyone, writable by the owner (root).</summary>
    public const UnixFileMode DefaultMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    // The temporary file lives in the same directory so that the rename never crosses filesystems,
    // and starts with a dot so that directory scanners (libcni, our own readers) skip it.
    private static string TempSibling(string path)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        return Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }

    private static FileStream CreateExclusive(string path, UnixFileMode mode) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            UnixCreateMode = mode,
        });
}
