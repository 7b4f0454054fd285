using Meshnet.Store.Kubernetes.Tests.Fixture;

namespace Meshnet.Store.Kubernetes.Tests.KeyValues;

/// <summary>Store connections for key-value tests: unthrottled, since races need many requests quickly.</summary>
internal static class KeyValueClients
{
    private static readonly KubernetesStoreOptions Unthrottled = new() { Qps = 10_000, Burst = 10_000 };

    public static Task<KubernetesTopologyStore> ConnectAsync(FakeApiServer server) =>
        KubernetesTopologyStore.ConnectAsync(server.ClientConfiguration(), Unthrottled);
}
