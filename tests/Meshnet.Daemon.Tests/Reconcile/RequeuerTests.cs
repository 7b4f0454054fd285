using Meshnet.Daemon.Reconcile;
using Meshnet.Model;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Meshnet.Daemon.Tests.Reconcile;

/// <summary>Failed pods come back after 1 s, 2 s, 4 s… (at most 1 min) until a pass succeeds; resync queues every pod each interval.</summary>
public sealed class RequeuerTests
{
    private static readonly PodKey R1 = new("lab", "r1");
    private static readonly PodKey R2 = new("lab", "r2");

    private readonly FakeTimeProvider _time = new();
    private readonly WorkQueue _queue = new();

    /// <summary>The keys queued right now (taken off the queue), without waiting (and without leaving a waiter behind).</summary>
    private IReadOnlyCollection<PodKey> Queued()
    {
        var take = _queue.TakeAllAsync(new CancellationToken(canceled: true));
        return take.IsCompletedSuccessfully ? take.Result.Keys : [];
    }

    [Fact]
    public void Failed_Repeatedly_RetriesAfterDoublingDelays()
    {
        using var requeuer = new Requeuer(_queue, _time);

        requeuer.Failed([R1]);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.Empty(Queued());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([R1], Queued());

        requeuer.Failed([R1]);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Empty(Queued());
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([R1], Queued());
    }

    [Fact]
    public void Failed_ManyTimes_WaitsAtMostAMinute()
    {
        using var requeuer = new Requeuer(_queue, _time);
        for (var i = 0; i < 20; i++)
        {
            requeuer.Failed([R1]);
            _time.Advance(Requeuer.MaxDelay);
            Assert.Equal([R1], Queued());
        }
    }

    [Fact]
    public void Succeeded_AfterFailures_NextFailureStartsFromTheFirstDelay()
    {
        using var requeuer = new Requeuer(_queue, _time);
        requeuer.Failed([R1]);
        _time.Advance(TimeSpan.FromSeconds(1));
        requeuer.Failed([R1]);
        _time.Advance(TimeSpan.FromSeconds(2));
        Queued();

        requeuer.Succeeded(R1);
        requeuer.Failed([R1]);
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([R1], Queued());
        Assert.Equal(1, requeuer.Failing);
    }

    [Fact]
    public void Failed_TwiceBeforeTheRetry_QueuesOnce()
    {
        using var requeuer = new Requeuer(_queue, _time);
        requeuer.Failed([R1, R2]);
        requeuer.Failed([R1]);

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal([R1, R2], Queued().Order());
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Empty(Queued());
    }

    [Fact]
    public void Dispose_WithRetryPending_QueuesNothing()
    {
        var requeuer = new Requeuer(_queue, _time);
        requeuer.Failed([R1]);

        requeuer.Dispose();
        _time.Advance(TimeSpan.FromMinutes(1));

        Assert.Empty(Queued());
    }

    [Fact]
    public async Task ResyncAsync_EachInterval_QueuesEveryPodGiven()
    {
        using var requeuer = new Requeuer(_queue, _time);
        using var stop = new CancellationTokenSource();
        var resync = requeuer.ResyncAsync(TimeSpan.FromMinutes(5), () => [R1, R2], stop.Token);

        _time.Advance(TimeSpan.FromMinutes(5));
        // The tick's continuation queues the pods one by one: gather batches until both are in.
        var queued = new HashSet<PodKey>();
        while (queued.Count < 2)
        {
            queued.UnionWith((await _queue.TakeAllAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5))).Keys);
        }

        Assert.Equal([R1, R2], queued.Order());
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => resync);
    }
}
