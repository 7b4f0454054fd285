using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Meshnet.Store.Kubernetes.Tests.Deploy;

namespace Meshnet.Store.Kubernetes.Tests.RealCluster;

/// <summary>
/// A real API server named by MESHNET_TEST_KUBECONFIG, prepared once per test run: the CRDs from deploy/ installed
/// (or updated) through the client, and namespaces for the run. Removes what it created: its namespaces always,
/// the CRDs only when they were not there before (other users' Topologies live in them).
/// </summary>
public sealed class RealClusterFixture : IAsyncLifetime, IDisposable
{
    public const string KubeconfigVariable = "MESHNET_TEST_KUBECONFIG";

    private static readonly string[] CrdFiles = ["crd-topologies.yaml", "crd-gwirekobjs.yaml"];

    private readonly List<string> _createdNamespaces = [];
    private readonly List<string> _createdCrds = [];
    private k8s.Kubernetes? _client;

    public static string? Kubeconfig => Environment.GetEnvironmentVariable(KubeconfigVariable) is { Length: > 0 } path ? path : null;

    public KubernetesClientConfiguration Config { get; private set; } = null!;

    /// <summary>A namespace of this run's own, e.g. <c>meshnet-test-1a2b3c4d</c>.</summary>
    public string Namespace { get; } = $"meshnet-test-{Guid.NewGuid().ToString("N")[..8]}";

    public k8s.Kubernetes Client => _client!;

    public async Task InitializeAsync()
    {
        if (Kubeconfig is not { } path)
        {
            return;
        }

        Config = KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        _client = new k8s.Kubernetes(Config);
        foreach (var file in CrdFiles)
        {
            await InstallCrdAsync(KubernetesYaml.Deserialize<V1CustomResourceDefinition>(await File.ReadAllTextAsync(Path.Combine(Kustomize.DeployDir, "kustomize", "base", file))));
        }

        await EnsureNamespaceAsync(Namespace);
    }

    /// <summary>Creates the namespace unless it exists; a namespace created here is deleted at the end of the run.</summary>
    public async Task EnsureNamespaceAsync(string name)
    {
        try
        {
            await Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["meshnet.test/run"] = "true" } } });
            _createdNamespaces.Add(name);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }
    }

    private async Task InstallCrdAsync(V1CustomResourceDefinition crd)
    {
        try
        {
            await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
            _createdCrds.Add(crd.Metadata.Name);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            var existing = await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name);
            crd.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
            await Client.ApiextensionsV1.ReplaceCustomResourceDefinitionAsync(crd, crd.Metadata.Name);
        }

        // A CRD serves its resources only once Established.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var current = await Client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(crd.Metadata.Name, cancellationToken: timeout.Token);
            if (current.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true)
            {
                return;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    public async Task DisposeAsync()
    {
        if (_client is null)
        {
            return;
        }

        foreach (var ns in _createdNamespaces)
        {
            try
            {
                await _client.CoreV1.DeleteNamespaceAsync(ns);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // already gone (someone cleaned up first): the other namespaces must still go
            }
        }

        // Namespace deletion finishes asynchronously (finalizers empty it first); wait, so that the next run does not
        // meet "namespace is being terminated" and the cluster is left as found when the run ends.
        await WaitUntilGoneAsync(_createdNamespaces, name => _client.CoreV1.ReadNamespaceAsync(name));

        foreach (var crd in _createdCrds)
        {
            await _client.ApiextensionsV1.DeleteCustomResourceDefinitionAsync(crd);
        }
    }

    private static async Task WaitUntilGoneAsync(IEnumerable<string> names, Func<string, Task> read)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        foreach (var name in names)
        {
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    await read(name);
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
                {
                    break;
                }

                await Task.Delay(500);
            }
        }
    }

    public void Dispose() => _client?.Dispose();
}

[CollectionDefinition(Name)]
public sealed class RealClusterCollection : ICollectionFixture<RealClusterFixture>
{
    public const string Name = "real cluster";
}
