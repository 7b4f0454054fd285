using System.Diagnostics;
using Meshnet.Testing;
using Xunit;

namespace Meshnet.Daemon.Tests.NodeApi;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class WireScaleCollection
{
    public const string Name = "wire scale (counts the process's threads: runs alone)";
}

/// <summary>1500 wires between two pods, both nodes' relays in this process.</summary>
[Collection(WireScaleCollection.Name)]
public sealed class WireScaleTests
{
    private const int Wires = 1500;

    [SkippableFact]
    public async Task Attach_1500Wires_AllUpWithBoundedThreads()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync(wires: 0);

        pair.AddBulkWires(Wires);

        Assert.True(await pair.AllUpAsync(TimeSpan.FromMinutes(2)), "not every wire came up");
        using var process = Process.GetCurrentProcess();
        process.Refresh();

        // Two nodes' relays, Kestrel hosts and the test runner share this process; one daemon must stay below 64.
        Assert.InRange(process.Threads.Count, 1, 63);
        Assert.Equal(Wires, pair.A.Relay.GetAll().Count(s => s.CarrierUp));
    }
}
