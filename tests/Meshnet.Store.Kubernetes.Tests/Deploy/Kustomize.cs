using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Meshnet.Store.Kubernetes.Tests.Deploy;

/// <summary>Renders deploy/kustomize directories with <c>kubectl kustomize</c> and finds objects in the output.</summary>
internal static class Kustomize
{
    public const string Kubectl = "/usr/bin/kubectl";

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string DeployDir => Path.Combine(RepoRoot, "deploy");

    /// <summary>The objects <c>kubectl kustomize deploy/kustomize/DIR</c> renders.</summary>
    public static List<YamlMappingNode> Render(string dir)
    {
        var psi = new ProcessStartInfo(Kubectl, ["kustomize", Path.Combine(DeployDir, "kustomize", dir)]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"kubectl kustomize {dir} failed: {error.Result}");
        return Parse(output.Result);
    }

    public static List<YamlMappingNode> Parse(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }

    public static YamlMappingNode Single(List<YamlMappingNode> objects, string kind, string name) =>
        Assert.Single(objects, o => Str(o, "kind") == kind && Str(o, "metadata", "name") == name);

    /// <summary>The scalar at a path of mapping keys and sequence indexes, or null.</summary>
    public static string? Str(YamlNode node, params object[] path) => At(node, path) is YamlScalarNode s ? s.Value : null;

    public static YamlNode? At(YamlNode node, params object[] path)
    {
        YamlNode? current = node;
        foreach (var step in path)
        {
            current = (current, step) switch
            {
                (YamlMappingNode m, string key) => m.Children.TryGetValue(new YamlScalarNode(key), out var v) ? v : null,
                (YamlSequenceNode s, int i) => i < s.Children.Count ? s.Children[i] : null,
                _ => null,
            };
        }

        return current;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "meshnet.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("meshnet.sln not found above the test binaries");
    }
}
