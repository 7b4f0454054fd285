namespace Meshnet.Daemon.Tests.Integration;

/// <summary>
/// The published programs under test (dist/, made by ./build.sh, which ./test.sh runs first): the daemon and plugin
/// are exercised as the real binaries a node runs, not as in-process code.
/// </summary>
internal static class Binaries
{
    public static string Dist { get; } = Find();

    public static string Daemon => Path.Combine(Dist, "meshnetd");

    public static string Plugin => Path.Combine(Dist, "meshnet");

    public static string Ctl => Path.Combine(Dist, "meshnetctl");

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "dist");
            if (File.Exists(Path.Combine(candidate, "meshnetd")) && File.Exists(Path.Combine(candidate, "meshnet")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("dist/meshnetd and dist/meshnet not found: run ./build.sh first (./test.sh does)");
    }
}
