namespace Meshnet.RealNode.Tests;

/// <summary>
/// The real node with meshnet: the CRDs from deploy/ installed (removed at the end if this run installed them) and
/// <see cref="NodeDaemon"/> running as the node's daemon for every test of the collection.
/// </summary>
public sealed class RealNodeFixture : IDisposable
{
    private static readonly string[] Crds = ["topologies.networkop.co.uk", "gwirekobjs.networkop.co.uk"];

    private readonly List<string> _installedCrds = [];
    private readonly bool _createdNamespace;

    public RealNodeFixture()
    {
        if (!Harness.Available)
        {
            return;
        }

        _installedCrds.AddRange(Crds.Where(c => Kubectl.Run("get", "crd", c).ExitCode != 0));
        foreach (var file in new[] { "crd-topologies.yaml", "crd-gwirekobjs.yaml" })
        {
            Kubectl.Ok(Kubectl.Run("apply", "-f", Path.Combine(Repo.Root, "deploy", "kustomize", "base", file)), "apply CRD");
        }

        Kubectl.Ok(Kubectl.Run("wait", "--for=condition=Established", "crd", Crds[0], Crds[1], "--timeout=60s"), "wait CRDs");
        // deploy/'s namespace, where the daemon keeps the cluster CA Secret and the VNI ConfigMap
        _createdNamespace = Kubectl.Run("get", "namespace", "meshnet").ExitCode != 0;
        if (_createdNamespace)
        {
            Kubectl.Ok(Kubectl.Run("apply", "-f", Path.Combine(Repo.Root, "deploy", "kustomize", "base", "namespace.yaml")), "apply namespace");
        }

        Daemon = new NodeDaemon();
        try
        {
            Daemon.Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    internal NodeDaemon Daemon { get; } = null!;

    public void Dispose()
    {
        Daemon?.Dispose();
        if (_createdNamespace)
        {
            Kubectl.Run(["delete", "namespace", "meshnet", "--wait=true", "--timeout=120s"], stdin: null);
        }

        foreach (var crd in _installedCrds)
        {
            Kubectl.Run("delete", "crd", crd, "--wait=true");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class RealNodeCollection : ICollectionFixture<RealNodeFixture>
{
    public const string Name = "real node";
}

internal static class Repo
{
    public static string Root { get; } = Find();

    private static string Find()
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
