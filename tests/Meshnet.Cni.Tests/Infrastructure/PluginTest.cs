using Xunit;

namespace Meshnet.Cni.Tests.Infrastructure;

/// <summary>Base for tests that execute the plugin binary against a private sandbox and, optionally, a fake daemon.</summary>
[Collection(PluginCollection.Name)]
public abstract class PluginTest(PluginBinary binary) : IAsyncLifetime
{
    protected PluginSandbox Sandbox { get; } = new();

    protected FakeDaemon? Daemon { get; private set; }

    protected PluginResult Run(CniCall call) => call.Run(binary.Path);

    /// <summary>Starts a fake meshnetd on the sandbox's socket.</summary>
    protected async Task<FakeDaemon> StartDaemonAsync()
    {
        Daemon = await FakeDaemon.StartAsync(Sandbox.SocketPath);
        return Daemon;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (Daemon is not null)
        {
            await Daemon.DisposeAsync();
        }
        Sandbox.Dispose();
    }
}
