using System.Collections.Concurrent;
using System.Net;
using Meshnet.Daemon.Reconcile;
using Meshnet.Engine;
using Meshnet.Model;
using Meshnet.Wire;

namespace Meshnet.Daemon.Wires;

/// <summary>
/// The reconciler's view of the wire relay: planned wire ends become <see cref="WireEnd"/>s toward the peer node's
/// node API (its address and this cluster's GRPC_PORT), and a carrier change queues the pod whose end it is, so its
/// status says Up/Down promptly (counters ride along on passes and on <see cref="WireCounterRefresher"/>'s ticks).
/// </summary>
internal sealed class RelayWireAttachments : IWireAttachments, IDisposable
{
    private readonly IWireRelay _relay;
    private readonly WorkQueue _queue;
    private readonly int _peerPort;
    private readonly ConcurrentDictionary<long, PodKey> _pods = new();

    /// <summary>The carrier each end's status was last written with: an event that changes nothing queues nothing.</summary>
    private readonly ConcurrentDictionary<long, bool> _reported = new();

    public RelayWireAttachments(IWireRelay relay, WorkQueue queue, DaemonOptions options)
    {
        _relay = relay;
        _queue = queue;
        _peerPort = options.GrpcPort;
        _relay.CarrierChanged += OnCarrierChanged;
    }

    /// <summary>The pods that have at least one attached wire end.</summary>
    public IEnumerable<PodKey> Pods => _pods.Values.Distinct();

    public void Attach(PlannedGrpcWire wire)
    {
        _pods[wire.LocalId] = wire.End.Pod;
        _relay.Attach(new WireEnd(wire.LocalId, wire.Namespace, wire.Uid, wire.End.NetNsPath, wire.End.Intf, wire.PeerNode,
            new IPEndPoint(wire.PeerNodeAddress, _peerPort), wire.Mtu));
    }

    public void Detach(long localId)
    {
        _pods.TryRemove(localId, out _);
        _reported.TryRemove(localId, out _);
        _relay.Detach(localId);
    }

    public WireEndState? StateOf(long localId)
    {
        if (_relay.GetStatus(localId) is not { } s)
        {
            return null;
        }

        _reported[localId] = s.CarrierUp;
        return ToState(s);
    }

    /// <summary>Every attached end's counters and why it is down, by id (for the refresher to see which changed).</summary>
    public Dictionary<long, (WireCounters Counters, string? DownReason)> Snapshot() =>
        _relay.GetAll().ToDictionary(s => s.End.LocalId, s => (s.Counters, s.DownReason));

    public PodKey? PodOf(long localId) => _pods.TryGetValue(localId, out var pod) ? pod : null;

    private static WireEndState ToState(WireStatus s) => new(s.CarrierUp, s.DownReason, s.PeerWireId ?? 0, new LinkCounters
    {
        TxFrames = s.Counters.TxFrames, TxBytes = s.Counters.TxBytes, TxDrops = s.Counters.TxDrops,
        RxFrames = s.Counters.RxFrames, RxBytes = s.Counters.RxBytes, RxDrops = s.Counters.RxDrops,
    });

    private void OnCarrierChanged(WireStatus status)
    {
        if (_pods.TryGetValue(status.End.LocalId, out var pod)
            && !(_reported.TryGetValue(status.End.LocalId, out var reported) && reported == status.CarrierUp))
        {
            _queue.Enqueue(pod);
        }
    }

    public void Dispose() => _relay.CarrierChanged -= OnCarrierChanged;
}
