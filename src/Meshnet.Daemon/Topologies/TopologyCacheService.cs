
namespace Meshnet.Daemon.Topologies;

/// <summary>Hosts the cache's list-and-watch loop for the daemon's lifetime.</summary>
internal sealed class TopologyCacheService(TopologyCache cache) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => cache.RunAsync(stoppingToken);
}
