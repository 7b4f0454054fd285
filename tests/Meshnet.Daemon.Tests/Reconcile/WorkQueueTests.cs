using Meshnet.Daemon.Reconcile;
using Meshnet.Model;
using Xunit;

namespace Meshnet.Daemon.Tests.Reconcile;

/// <summary>An ADD waits for the pass that handles its pod and gets the pod's Topology as that pass stored it.</summary>
public sealed class WorkQueueTests
{
    private static readonly PodKey R1 = new("lab", "r1");
    private static readonly PodKey R2 = new("lab", "r2");

    [Fact]
    public async Task EnqueueAndWaitAsync_PassStoresThePod_WaiterGetsTheStoredTopology()
    {
        var queue = new WorkQueue();
        var waiting = queue.EnqueueAndWaitAsync(R1);
        var batch = await queue.TakeAllAsync(CancellationToken.None);

        batch.Complete([Stored(R2, ""), Stored(R1, "uid 0 (eth1): boom")]);

        Assert.Equal("uid 0 (eth1): boom", (await waiting)!.Status.PlumbingError);
    }

    [Fact]
    public async Task EnqueueAndWaitAsync_PassDidNotTouchThePod_WaiterGetsNull()
    {
        var queue = new WorkQueue();
        var waiting = queue.EnqueueAndWaitAsync(R1);
        var batch = await queue.TakeAllAsync(CancellationToken.None);

        batch.Complete([Stored(R2, "")]);

        Assert.Null(await waiting);
    }

    [Fact]
    public async Task EnqueueAndWaitAsync_TwoWaitersForOneKey_BothGetTheStoredTopology()
    {
        var queue = new WorkQueue();
        var first = queue.EnqueueAndWaitAsync(R1);
        var second = queue.EnqueueAndWaitAsync(R1);
        var batch = await queue.TakeAllAsync(CancellationToken.None);

        batch.Complete([Stored(R1, "err")]);

        Assert.Equal(["err", "err"], (await Task.WhenAll(first, second)).Select(t => t!.Status.PlumbingError));
        Assert.Single(batch.Keys);
    }

    [Fact]
    public async Task EnqueueAndWaitAsync_TwoWaitersForOneKeyAndThePassFails_BothFault()
    {
        var queue = new WorkQueue();
        var first = queue.EnqueueAndWaitAsync(R1);
        var second = queue.EnqueueAndWaitAsync(R1);
        var batch = await queue.TakeAllAsync(CancellationToken.None);

        batch.Fail(new InvalidOperationException("pass failed"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => first);
        await Assert.ThrowsAsync<InvalidOperationException>(() => second);
    }

    private static Topology Stored(PodKey key, string plumbingError) => new()
    {
        Namespace = key.Namespace,
        Name = key.Name,
        ResourceVersion = "7",
        Status = new TopologyStatus { PlumbingError = plumbingError },
    };
}
