using System.Threading.Channels;
using Meshnet.Protocol;

namespace Meshnet.Daemon.Topologies;

/// <summary>
/// Keeps <c>topologies.idx</c> (every pod that has a Topology) current for the plugin, which reads it when this
/// daemon cannot be reached: a listed pod then gets "try again later", an unlisted one passes straight through.
/// Rewritten (atomically) when a Topology is added or deleted, coalescing bursts.
/// </summary>
internal sealed class TopologyIndexWriter(TopologyCache cache, DaemonOptions options) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var dirty = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        cache.Changed += (before, after) =>
        {
            if (before is null || after is null)
            {
                dirty.Writer.TryWrite(true);
            }
        };

        await cache.Synced.WaitAsync(stoppingToken);
        Directory.CreateDirectory(options.StateDir);
        while (!stoppingToken.IsCancellationRequested)
        {
            TopologyIndexFile.Write(options.IndexPath, cache.Items.Keys.Select(k => (k.Namespace, k.Name)));
            await dirty.Reader.ReadAsync(stoppingToken);
        }
    }
}
