using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace Meshnet.Cni.Tests.Infrastructure;

/// <summary>
/// The NativeAOT `meshnet` binary that the tests execute, as a runtime would. In order of preference:
/// $MESHNET_PLUGIN; dist/meshnet from ./build.sh when it is newer than every plugin source; otherwise a
/// `dotnet publish` into /tmp cached by a hash of the sources (so only the first run after a change pays ~1 min).
/// </summary>
public sealed class PluginBinary
{
    public PluginBinary()
    {
        Path = Locate();
    }

    public string Path { get; }

    private static string Locate()
    {
        if (Environment.GetEnvironmentVariable("MESHNET_PLUGIN") is { Length: > 0 } given)
        {
            return given;
        }
        string root = RepositoryRoot();
        var sources = Sources(root);
        string dist = System.IO.Path.Combine(root, "dist", "meshnet");
        if (File.Exists(dist) && File.GetLastWriteTimeUtc(dist) >= sources.Max(File.GetLastWriteTimeUtc))
        {
            return dist;
        }
        string output = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "meshnet-plugin-" + Hash(sources));
        string binary = System.IO.Path.Combine(output, "meshnet");
        if (!File.Exists(binary))
        {
            Publish(root, output);
        }
        return binary;
    }

    private static void Publish(string root, string output)
    {
        var psi = new ProcessStartInfo("dotnet", ["publish", "src/Meshnet.Cni", "-c", "Release", "-o", output, "--nologo"])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)) || process.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of the plugin failed:\n{stdout.Result}\n{stderr.Result}");
        }
    }

    private static List<string> Sources(string root)
    {
        var files = new List<string>
        {
            System.IO.Path.Combine(root, "Directory.Build.props"),
            System.IO.Path.Combine(root, "Directory.Packages.props"),
        };
        foreach (string project in new[] { "src/Meshnet.Cni", "src/Meshnet.Protocol", "src/Meshnet.Netlink" })
        {
            files.AddRange(Directory.EnumerateFiles(System.IO.Path.Combine(root, project), "*", SearchOption.AllDirectories)
                .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)));
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }

    private static string Hash(List<string> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (string file in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(file));
            sha.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexString(sha.GetHashAndReset())[..16].ToLowerInvariant();
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "meshnet.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("meshnet.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>Every test that executes the binary shares one <see cref="PluginBinary"/>.</summary>
[CollectionDefinition(Name)]
public sealed class PluginCollection : ICollectionFixture<PluginBinary>
{
    public const string Name = "meshnet plugin binary";
}
