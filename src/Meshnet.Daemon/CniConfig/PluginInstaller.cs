using Meshnet.Protocol;

namespace Meshnet.Daemon.CniConfig;

/// <summary>Puts the plugin binary into the runtime's CNI bin directory (usually /opt/cni/bin).</summary>
internal static class PluginInstaller
{
    public const string BinaryName = "meshnet";

    /// <summary>rwxr-xr-x, as the runtime executes plugins by path.</summary>
    private const UnixFileMode ExecutableMode = AtomicFile.DefaultMode
        | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>
    /// Copies <paramref name="sourceBinaryPath"/> to <c>binDir/meshnet</c> by temp file + rename, so that a runtime
    /// executing the plugin at that moment runs either the old binary or the new one, never a half-written file.
    /// Returns false (and leaves the file alone) when the installed binary is already identical.
    /// </summary>
    public static bool Install(string sourceBinaryPath, string binDir)
    {
        Directory.CreateDirectory(binDir);
        string destination = Path.Combine(binDir, BinaryName);
        if (IsIdentical(sourceBinaryPath, destination))
        {
            if (File.GetUnixFileMode(destination) != ExecutableMode)
            {
                File.SetUnixFileMode(destination, ExecutableMode);
            }
            return false;
        }
        AtomicFile.Copy(sourceBinaryPath, destination, ExecutableMode);
        return true;
    }

    private static bool IsIdentical(string source, string destination)
    {
        var target = new FileInfo(destination);
        if (!target.Exists || target.Length != new FileInfo(source).Length)
        {
            return false;
        }
        using var a = File.OpenRead(source);
        using var b = File.OpenRead(destination);
        var bufferA = new byte[81920];
        var bufferB = new byte[81920];
        while (true)
        {
            int read = a.ReadAtLeast(bufferA, bufferA.Length, throwOnEndOfStream: false);
            int readB = b.ReadAtLeast(bufferB, bufferB.Length, throwOnEndOfStream: false);
            if (read != readB || !bufferA.AsSpan(0, read).SequenceEqual(bufferB.AsSpan(0, readB)))
            {
                return false;
            }
            if (read == 0)
            {
                return true;
            }
        }
    }
}
