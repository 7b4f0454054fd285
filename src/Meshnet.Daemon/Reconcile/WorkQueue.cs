using System.Threading.Channels;
using Meshnet.Model;

namespace Meshnet.Daemon.Reconcile;

/// <summary>
/// The reconciler's queue of pods to look at. A key queued many times before the worker gets to it is handled once;
/// the worker takes everything queued at once, so a burst of pod starts becomes one batched engine pass.
/// Callers may wait for the pass that handles their key (ADD answers once its pod is plumbed).
/// </summary>
internal sealed class WorkQueue
{
    private readonly Lock _gate = new();
    private Dictionary<PodKey, TaskCompletionSource?> _pending = [];
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    public void Enqueue(PodKey key) => Add(key, null);

    /// <summary>Queues the key and completes when a pass that started after this call has handled it.</summary>
    public Task EnqueueAndWaitAsync(PodKey key)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
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

    private void Add(PodKey key, TaskCompletionSource? waiter)
    {
        lock (_gate)
        {
            if (!_pending.TryGetValue(key, out var existing) || existing is null)
            {
                _pending[key] = waiter;
            }
            else if (waiter is not null)
            {
                // Chain a second waiter for the same pass.
                existing.Task.ContinueWith(_ => waiter.TrySetResult(), TaskScheduler.Default);
            }
        }

        _signal.Writer.TryWrite(true);
    }

    /// <summary>Keys taken in one pass; <see cref="Complete"/> releases everyone waiting on them.</summary>
    internal sealed class Batch(Dictionary<PodKey, TaskCompletionSource?> items)
    {
        public IReadOnlyCollection<PodKey> Keys => items.Keys;

        public void Complete(Exception? error = null)
        {
            foreach (var waiter in items.Values)
            {
                if (error is null)
                {
                    waiter?.TrySetResult();
                }
                else
                {
                    waiter?.TrySetException(error);
                }
            }
        }
    }
}
