using Meshnet.Store.Kubernetes.Tests.Fixture;
using Meshnet.Store.Tests;

namespace Meshnet.Store.Kubernetes.Tests;

/// <summary>The whole store contract, against the in-process API server (each test gets its own server).</summary>
public sealed class TopologyStoreOverFakeApiServerTests : TopologyStoreWithHistoryContract
{
    private FakeApiServer _server = null!;

    public override async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(namespaces: [Ns1, Ns2]);
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await _server.DisposeAsync();
    }

    protected override async Task<ITopologyStore> OpenInstanceAsync() =>
        await KubernetesTopologyStore.ConnectAsync(_server.ClientConfiguration());

    protected override Task ForgetHistoryAsync(ITopologyStore store)
    {
        _server.Compact();
        return Task.CompletedTask;
    }
}
