namespace Meshnet.Daemon.Security;

/// <summary>How key material reaches the disk: owner-only modes from the moment of creation, and atomic replacement.</summary>
internal static class PrivateFiles
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode SecretMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode PublicMode = SecretMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// Writes to a fresh temporary file created with <paramref name="mode"/> (a key is never readable by others, not
    /// even for an instant), flushes it to disk, then renames it over <paramref name="path"/>.
    /// </summary>
    public static void WriteAtomically(string path, string content, UnixFileMode mode)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var file = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = mode,
            }))
            {
                file.Write(System.Text.Encoding.UTF8.GetBytes(content));
                file.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary); // no-op once moved
        }
    }
}
