using Meshnet.Testing;

namespace Meshnet.Ctl.Tests.Lab;

/// <summary>
/// A uniquely named lab driven through the <c>meshnetctl</c> command line on a throwaway store and run directory, as a
/// user drives it; disposing it runs <c>lab down</c>.
/// </summary>
internal sealed class LabCli : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-cli-").FullName;

    public LabCli(string? containerEngine = "none") => ContainerEngine = containerEngine;

    public string Name { get; } = "c" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>MESHNET_CONTAINER_ENGINE for the commands: "none" runs labs without containers; null leaves podman to be found.</summary>
    public string? ContainerEngine { get; }

    public Cmd.Result Run(params string[] args) => Run(args, stdin: null);

    public Cmd.Result Run(IEnumerable<string> args, string? stdin) =>
        Cmd.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "meshnetctl.dll"), "--store", $"sqlite:{_dir}/store.db", .. args], stdin, Environment(), TimeSpan.FromMinutes(3));

    /// <summary>The command line that runs meshnetctl (for tests that start it themselves).</summary>
    public IReadOnlyList<string> CommandLine(params string[] args) =>
        ["dotnet", Path.Combine(AppContext.BaseDirectory, "meshnetctl.dll"), "--store", $"sqlite:{_dir}/store.db", .. args];

    public Dictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string> { ["MESHNET_RUN_DIR"] = _dir };
        if (ContainerEngine is not null)
        {
            env[Meshnet.Ctl.Lab.Containers.ContainerEngine.EngineVariable] = ContainerEngine;
        }

        return env;
    }

    public string Ns(string pod) => $"mn.{Name}.{pod}";

    public string Write(string yaml)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    public void Dispose()
    {
        Run("lab", "down", Name);
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>Our copies of the shapes of meshnet-cni's end-to-end files (tests/meshnet-cni), found from the test's directory.</summary>
internal static class MeshnetCniFiles
{
    public static string Dir { get; } = Find();

    public static string PathOf(string file) => Path.Combine(Dir, file);

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "meshnet-cni");
            if (File.Exists(Path.Combine(candidate, "3node.yml")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException("tests/meshnet-cni not found above " + AppContext.BaseDirectory);
    }
}
