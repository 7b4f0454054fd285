using System.Threading.Channels;
using Meshnet.Model;

namespace Meshnet.Daemon.Reconcile;

/// <summary>
/// The reconciler's queue of pods to look at. A key queued many times before the worker gets to it is handled once;
/// the worker takes everything queued at once, so a burst of pod starts becomes one batched engine pass.
/// Callers may wait for the pass that handles their key (ADD answers once its pod is plumbed) and get the pod's
/// Topology as that pass stored it.
/// </summary>
internal sealed class WorkQueue
{
    private readonly Lock _gate = new();
    private Dictionary<PodKey, List<TaskCompletionSource<Topology?>>> _pending = [];
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Enqueue(PodKey key) => Add(key, null);

    /// <summary>
    /// Queues the key and completes when a pass that started after this call has handled it, with the key's Topology
    /// as that pass stored it (its status carries the pass's <c>plumbing_error</c>); null when the pass did not touch
    /// it (not alive on this node, or deleted). Faults when the pass failed.
    /// </summary>
    public Task<Topology?> EnqueueAndWaitAsync(PodKey key)
    {
        var done = new TaskCompletionSource<Topology?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Add(key, done);
        return done.Task;
    }

    /// <summary>Waits until something is queued, then takes all of it.</summary>
    public async Task<Batch> TakeAllAsync(CancellationToken ct)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_pending.Count > 0)
                {
                    var taken = _pending;
                    _pending = [];
                    return new Batch(taken);
                }
            }

            await _signal.Reader.ReadAsync(ct);
        }
    }

    private void Add(PodKey key, TaskCompletionSource<Topology?>? waiter)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(key, out var waiters))
            {
                _pending[key] = waiters = [];
            }

            if (waiter is not null)
            {
                waiters.Add(waiter);
            }
        }

        _signal.Writer.TryWrite(true);
    }

    /// <summary>Keys taken in one pass; <see cref="Complete"/> or <see cref="Fail"/> releases everyone waiting on them.</summary>
    internal sealed class Batch(Dictionary<PodKey, List<TaskCompletionSource<Topology?>>> items)
    {
        public IReadOnlyCollection<PodKey> Keys => items.Keys;

        /// <param name="stored">The Topologies the pass stored (or found already right); each waiter gets its own.</param>
        public void Complete(IReadOnlyCollection<Topology> stored)
        {
            var byKey = new Dictionary<PodKey, Topology>();
            foreach (var t in stored)
            {
                byKey[t.Key] = t;
            }

            foreach (var (key, waiters) in items)
            {
                foreach (var waiter in waiters)
                {
                    waiter.TrySetResult(byKey.GetValueOrDefault(key));
                }
            }
        }

        public void Fail(Exception error)
        {
            foreach (var waiter in items.Values.SelectMany(w => w))
            {
                waiter.TrySetException(error);
            }
        }
    }
}
