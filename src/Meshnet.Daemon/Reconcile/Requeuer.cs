using Meshnet.Model;

namespace Meshnet.Daemon.Reconcile;

/// <summary>
/// Puts pods back on the work queue when no event will: a pod whose pass failed (the API server answered 5xx, a
/// link could not be built) is retried after a delay that doubles per consecutive failure, from
/// <see cref="FirstDelay"/> up to <see cref="MaxDelay"/>, until a pass succeeds; and every local pod is queued again
/// each resync interval, the way an informer's resync catches anything missed. Without it a transient failure would
/// leave links missing until something else happened to touch the pod.
/// </summary>
internal sealed class Requeuer(WorkQueue queue, TimeProvider time) : IDisposable
{
    public static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(1);

    private readonly Lock _gate = new();
    private readonly Dictionary<PodKey, int> _failures = [];
    private readonly Dictionary<PodKey, ITimer> _timers = [];
    private bool _disposed;

    /// <summary>The pods' pass failed: each is queued again after its backoff (one retry pending per pod).</summary>
    public void Failed(IEnumerable<PodKey> pods)
    {
        lock (_gate)
        {
            foreach (var pod in pods)
            {
                var n = _failures[pod] = _failures.GetValueOrDefault(pod) + 1;
                if (_disposed || _timers.ContainsKey(pod))
                {
                    continue;
                }

                var delay = TimeSpan.FromTicks(Math.Min(FirstDelay.Ticks << Math.Min(n - 1, 16), MaxDelay.Ticks));
                _timers[pod] = time.CreateTimer(_ => Retry(pod), null, delay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>The pod's pass succeeded: its next failure starts from the first delay again.</summary>
    public void Succeeded(PodKey pod)
    {
        lock (_gate)
        {
            _failures.Remove(pod);
        }
    }

    /// <summary>Pods with a retry scheduled or a failure not yet cleared by a successful pass.</summary>
    public int Failing
    {
        get
        {
            lock (_gate)
            {
                return _failures.Count;
            }
        }
    }

    /// <summary>Queues <paramref name="pods"/> every <paramref name="interval"/> until cancelled.</summary>
    public async Task ResyncAsync(TimeSpan interval, Func<IEnumerable<PodKey>> pods, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(ct))
        {
            foreach (var pod in pods())
            {
                queue.Enqueue(pod);
            }
        }
    }

    private void Retry(PodKey pod)
    {
        lock (_gate)
        {
            if (_timers.Remove(pod, out var timer))
            {
                timer.Dispose();
            }

            if (_disposed)
            {
                return;
            }
        }

        queue.Enqueue(pod);
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var timer in _timers.Values)
            {
                timer.Dispose();
            }

            _timers.Clear();
        }
    }
}
