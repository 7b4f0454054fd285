namespace Meshnet.Ctl.Tests;

/// <summary>
/// The published programs (dist/, made by ./build.sh, which ./test.sh runs first). Multi-node labs start meshnetd
/// from beside meshnetctl, so those tests run the published CLI.
/// </summary>
internal static class Dist
{
    public static string Ctl { get; } = Find("meshnetctl");

    private static string Find(string program)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "dist", program);
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "dist", "meshnetd")))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"dist/{program} not found: run ./build.sh first (./test.sh does)");
    }
}
