using Meshnet.Daemon.Reconcile;
using Meshnet.Model;

namespace Meshnet.Daemon.NodeApi;

/// <summary>Where a peer's "reconcile your end" lands: this node's reconcile queue.</summary>
internal interface ILocalLinkQueue
{
    /// <summary>Queues this node's pod at its end of a link for a reconcile pass.</summary>
    void EnqueueLocalEnd(PodKey pod);
}

/// <summary>The daemon's own queue: the pod is handled by the node reconciler's next pass.</summary>
internal sealed class WorkQueueLinkQueue(WorkQueue queue) : ILocalLinkQueue
{
    public void EnqueueLocalEnd(PodKey pod) => queue.Enqueue(pod);
}
