using System.Globalization;

namespace Meshnet.Bench.Kubernetes;

/// <summary>
/// Command line: <c>--pods N</c> (100), <c>--degree D</c> (4: links = N × D), <c>--steady S</c> (10),
/// <c>--meshnetd PATH</c> (dist/meshnetd), <c>--daemon-log PATH</c> (where to save the daemon's log; default: not kept).
/// </summary>
internal sealed record BenchOptions(int Pods, int Degree, int SteadySeconds, string Meshnetd, string? DaemonLog)
{
    public static BenchOptions Parse(string[] args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        int Int(string name, int fallback) => Value(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
        return new BenchOptions(Int("--pods", 100), Int("--degree", 4), Int("--steady", 10), Value("--meshnetd") ?? FindDist(), Value("--daemon-log"));
    }

    /// <summary>dist/meshnetd (made by ./build.sh) in the working directory or any parent of it or of this program.</summary>
    private static string FindDist()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "dist", "meshnetd");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("dist/meshnetd not found: run ./build.sh, or pass --meshnetd PATH");
    }
}
