using Meshnet.Daemon.Reconcile;
using Meshnet.Model;
using Meshnet.Wire;

namespace Meshnet.Daemon.Wires;

/// <summary>
/// Counters in the status without a write per frame: every <see cref="DaemonOptions.WireCounterInterval"/>, the pods
/// whose wire counters moved (or whose reason for being down changed, e.g. from "peer end not bound" to "peer node
/// unreachable") since the last tick are queued, and their pass writes them (one status write per pod per interval at
/// most; idle wires cost nothing). Carrier changes do not wait for this: they queue their pod at once.
/// </summary>
internal sealed class WireCounterRefresher(RelayWireAttachments wires, WorkQueue queue, DaemonOptions options, TimeProvider time) : BackgroundService
{
    private Dictionary<long, (WireCounters Counters, string? DownReason)> _last = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.WireCounterInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Tick();
            }
        }
        catch (OperationCanceledException)
        {
            // stopping
        }
    }

    /// <summary>Queues the pods whose ends' counters or down reasons changed since the previous tick.</summary>
    internal void Tick()
    {
        var now = wires.Snapshot();
        var changed = new HashSet<PodKey>();
        foreach (var (id, counters) in now)
        {
            if ((!_last.TryGetValue(id, out var before) || before != counters) && wires.PodOf(id) is { } pod)
            {
                changed.Add(pod);
            }
        }

        _last = now;
        foreach (var pod in changed)
        {
            queue.Enqueue(pod);
        }
    }
}
