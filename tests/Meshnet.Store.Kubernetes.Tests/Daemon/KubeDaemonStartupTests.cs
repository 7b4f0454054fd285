using Meshnet.Daemon.Tests.Integration;
using Meshnet.Store.Kubernetes.Tests.Fixture;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>The daemon on a cluster where meshnet's manifests were not applied: it stops at once and says what is missing.</summary>
public sealed class KubeDaemonStartupTests
{
    [Fact]
    public async Task Start_NamespaceMeshnetMissing_ExitsNamingItAndTheInstallCommand()
    {
        await using var server = await FakeApiServer.StartAsync();
        using var dirs = new NodeDirs();
        var kubeconfig = Path.Combine(dirs.Root, "kubeconfig");
        await File.WriteAllTextAsync(kubeconfig, FakeApiServer.KubeconfigFor(server.BaseAddress));
        using var daemon = new KubeDaemonProcess(dirs, kubeconfig, "node1", KubeNode.NodeIp);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(daemon.StartAsync);

        Assert.Contains("exited with 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("namespace meshnet does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("kubectl apply -k deploy/kustomize/base", e.Message, StringComparison.Ordinal);
    }
}
