using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Meshnet.Protocol.V1;
using Meshnet.Wire.Tap;
using Microsoft.Extensions.Logging;

namespace Meshnet.Wire;

/// <summary>
/// The node's gRPC wire data path (see <see cref="IWireRelay"/>). Frames leave through a few epoll loops that read
/// every TAP into per-stream batches, and a few streams per peer node that carry them; frames arrive on the peer's
/// streams (served by the daemon's <c>NodeWire</c> service through <see cref="ServeAsync"/>) and are written into
/// the addressed TAP without blocking. Each side tells the other its end's id with a Bind; a TAP has carrier only
/// while the peer's end is bound and our stream to the peer is open.
/// </summary>
public sealed class WireRelay : IWireRelay
{
    private static readonly TimeSpan RefusedLogInterval = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan CloseGrace = TimeSpan.FromSeconds(2);

    private readonly IWireConnector _connector;
    private readonly ILogger _logger;
    private readonly WireRelayOptions _options;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly ConcurrentDictionary<long, WireEndState> _byId = new();
    private readonly ConcurrentDictionary<(string Namespace, int Uid), WireEndState> _byLink = new();
    private readonly Dictionary<(string Node, IPEndPoint Endpoint), PeerConnection> _peers = [];
    private readonly List<Task> _closing = [];
    private readonly EpollLoop[] _loops;
    private readonly RelayCounters _counters = new();
    private int _closedStreams;
    private long _refusedSinceLog;
    private long _lastRefusedLog;
    private bool _disposed;

    public WireRelay(IWireConnector connector, ILogger<WireRelay> logger, WireRelayOptions? options = null, TimeProvider? time = null)
    {
        _connector = connector;
        _logger = logger;
        _options = options ?? new WireRelayOptions();
        _options.Validate();
        _time = time ?? TimeProvider.System;
        _loops = [.. Enumerable.Range(0, _options.Loops).Select(i => new EpollLoop(this, _options, logger, i))];
    }

    public event Action<WireStatus>? CarrierChanged;

    /// <summary>Node-wide drops that belong to no end of ours (unknown ids, foreign senders, malformed messages).</summary>
    public WireRelayCounters Counters => _counters.Snapshot(LostFrames());

    /// <summary>How many streams were closed so far (epoll loops free their buffers when this changes).</summary>
    internal int ClosedStreams => Volatile.Read(ref _closedStreams);

    public void Attach(WireEnd end)
    {
        Validate(end);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _byId.TryGetValue(end.LocalId, out var existing);
            if (existing?.End == end)
            {
                return;
            }

            if (_byLink.TryGetValue((end.Namespace, end.Uid), out var other) && other != existing)
            {
                throw new InvalidOperationException(
                    $"Wire end {end.LocalId}: link {end.Namespace}/{end.Uid} already has end {other.End.LocalId} attached on this node.");
            }

            // A changed end (TAP recreated, peer moved) is re-opened from scratch; the old descriptor must go first,
            // since a single-queue TAP takes one descriptor at a time.
            if (existing is not null)
            {
                DetachLocked(existing);
            }

            var tap = TapQueue.Open(end.NetNsPath, end.InterfaceName);
            var peer = PeerFor(end.PeerNode, end.PeerEndpoint);
            var state = new WireEndState(end, tap, peer.Streams[StreamIndex(end)]);
            try
            {
                LoopFor(end.LocalId).Add(state);
            }
            catch
            {
                tap.Dispose();
                ReleasePeer(peer);
                throw;
            }

            _byId[end.LocalId] = state;
            _byLink[(end.Namespace, end.Uid)] = state;
            state.Stream.EnqueueBind(BindOf(state));
            WireLog.Attached(_logger, end.LocalId, end.Namespace, end.Uid, end.InterfaceName, end.PeerNode, tap.Offloads);
        }
    }

    public bool Detach(long localId)
    {
        lock (_gate)
        {
            if (!_byId.TryGetValue(localId, out var state))
            {
                return false;
            }

            DetachLocked(state);
            return true;
        }
    }

    public WireStatus? GetStatus(long localId) => _byId.TryGetValue(localId, out var state) ? state.Status() : null;

    public IReadOnlyCollection<WireStatus> GetAll() => [.. _byId.Values.Select(s => s.Status())];

    /// <summary>
    /// Serves one incoming wire stream from <paramref name="callerNode"/> (the node its certificate names) until it
    /// ends; then every end that the caller bound over it loses its peer (and carrier).
    /// </summary>
    public async Task ServeAsync(string callerNode, IAsyncStreamReader<WireMessage> requests, CancellationToken cancellationToken)
    {
        var via = new object();
        try
        {
            while (await requests.MoveNext(cancellationToken))
            {
                Handle(callerNode, via, requests.Current);
            }
        }
        finally
        {
            var unbound = 0;
            foreach (var state in _byId.Values)
            {
                if (state.End.PeerNode == callerNode && state.Unbind(null, via, $"stream from node {callerNode} closed"))
                {
                    unbound++;
                    Refresh(state);
                }
            }

            WireLog.IncomingClosed(_logger, callerNode, unbound);
        }
    }

    internal bool TryGetEnd(long localId, out WireEndState state) => _byId.TryGetValue(localId, out state!);

    /// <summary>The Binds to send on <paramref name="stream"/> when it (re)connects: every end that uses it.</summary>
    internal IEnumerable<WireBind> BindsFor(PeerStream stream) =>
        [.. _byId.Values.Where(s => s.Stream == stream).Select(BindOf)];

    /// <summary>A stream opened or failed: the carrier of every end that uses it follows.</summary>
    internal void OnStreamChanged(PeerStream stream)
    {
        foreach (var state in _byId.Values)
        {
            if (state.Stream == stream)
            {
                Refresh(state);
            }
        }
    }

    private void Handle(string caller, object via, WireMessage message)
    {
        foreach (var unbind in message.Unbinds)
        {
            if (_byLink.TryGetValue((unbind.Namespace, unbind.Uid), out var state) && state.End.PeerNode == caller
                && state.Unbind(unbind.SenderLocalId, null, $"peer end detached on node {caller}"))
            {
                Refresh(state);
            }
        }

        foreach (var bind in message.Binds)
        {
            if (!_byLink.TryGetValue((bind.Namespace, bind.Uid), out var state) || state.End.PeerNode != caller || bind.SenderLocalId < 0)
            {
                Refuse(caller, state is null
                    ? $"Bind for {bind.Namespace}/{bind.Uid}: no end of that link is attached here"
                    : $"Bind for {bind.Namespace}/{bind.Uid}: its end here is wired to node {state.End.PeerNode}");
                continue;
            }

            if (state.Bind(bind.SenderLocalId, bind.Offloads, via))
            {
                // The peer may have sent its Bind before our end existed and so never got ours: answer with it (on
                // a stream that is down, the answer is the Binds sent when it reconnects, which it does now).
                state.Stream.EnqueueBind(BindOf(state));
                state.Stream.Nudge();
            }

            Refresh(state);
        }

        if (!message.Frames.IsEmpty)
        {
            Deliver(caller, message.Frames.Span);
        }
    }

    private void Deliver(string caller, ReadOnlySpan<byte> frames)
    {
        var reader = new FrameBatchReader(frames);
        while (reader.TryRead(out var id, out var frame))
        {
            if (!_byId.TryGetValue(id, out var state))
            {
                _counters.CountUnknown();
                continue;
            }

            if (state.End.PeerNode != caller)
            {
                _counters.CountForeign();
                Refuse(caller, $"frame for end {id}, which is wired to node {state.End.PeerNode}");
                continue;
            }

            if (!Fits(frame, state.End.Mtu))
            {
                _counters.CountOversized();
                state.CountRxDrop();
                continue;
            }

            bool written;
            try
            {
                written = state.Tap.Write(frame);
            }
            catch (ObjectDisposedException)
            {
                written = false;
            }

            if (written)
            {
                state.CountRx(frame.Length - TapQueue.VnetHeaderSize);
            }
            else
            {
                state.CountRxDrop();
            }
        }

        if (reader.Malformed)
        {
            _counters.CountMalformed();
            Refuse(caller, "a message whose frame list is truncated");
        }
    }

    /// <summary>
    /// A frame must hold a header and an Ethernet header; a plain frame must fit the end's MTU (plus Ethernet and one
    /// VLAN tag); a GSO super-frame (gso_type set) may be up to 64 KiB, the receiving kernel segments it.
    /// </summary>
    internal static bool Fits(ReadOnlySpan<byte> frame, int mtu)
    {
        const int EthernetHeader = 14, VlanTag = 4;
        if (frame.Length < TapQueue.VnetHeaderSize + EthernetHeader || frame.Length > TapQueue.MaxFrameSize)
        {
            return false;
        }

        var gsoType = frame[1];
        return gsoType != 0 || frame.Length - TapQueue.VnetHeaderSize <= mtu + EthernetHeader + VlanTag;
    }

    private void Refuse(string caller, string what)
    {
        _counters.CountRefused();
        Interlocked.Increment(ref _refusedSinceLog);
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastRefusedLog);
        if ((last == 0 || _time.GetElapsedTime(last, now) >= RefusedLogInterval) && Interlocked.CompareExchange(ref _lastRefusedLog, now, last) == last)
        {
            WireLog.Refused(_logger, caller, Interlocked.Exchange(ref _refusedSinceLog, 0), what);
        }
    }

    private void Refresh(WireEndState state)
    {
        if (state.Refresh() is { } changed)
        {
            WireLog.Carrier(_logger, changed.End.LocalId, changed.CarrierUp ? "up" : "down", changed.DownReason is null ? "" : $": {changed.DownReason}");
            try
            {
                CarrierChanged?.Invoke(changed);
            }
            catch (Exception e)
            {
                // A subscriber's failure must not stop the relay thread that raised the event.
                WireLog.HandlerFailed(_logger, changed.End.LocalId, e);
            }
        }
    }

    private void DetachLocked(WireEndState state)
    {
        _byId.TryRemove(new KeyValuePair<long, WireEndState>(state.End.LocalId, state));
        _byLink.TryRemove(new KeyValuePair<(string, int), WireEndState>((state.End.Namespace, state.End.Uid), state));
        LoopFor(state.End.LocalId).Remove(state);
        state.MarkDetached();
        state.Stream.EnqueueUnbind(new WireUnbind { Namespace = state.End.Namespace, Uid = state.End.Uid, SenderLocalId = state.End.LocalId });
        state.Tap.Dispose();
        if (_peers.TryGetValue((state.End.PeerNode, state.End.PeerEndpoint), out var peer))
        {
            ReleasePeer(peer);
        }

        WireLog.Detached(_logger, state.End.LocalId);
    }

    private PeerConnection PeerFor(string node, IPEndPoint endpoint)
    {
        if (!_peers.TryGetValue((node, endpoint), out var peer))
        {
            peer = new PeerConnection([.. Enumerable.Range(0, _options.StreamsPerPeer)
                .Select(i => new PeerStream(this, _connector, _options, _logger, node, endpoint, i))]);
            _peers[(node, endpoint)] = peer;
            foreach (var stream in peer.Streams)
            {
                stream.Start();
            }
        }

        peer.Ends++;
        return peer;
    }

    /// <summary>One end fewer toward the peer; the last one closes its streams (after sending what is queued).</summary>
    private void ReleasePeer(PeerConnection peer)
    {
        if (--peer.Ends > 0)
        {
            return;
        }

        var key = (peer.Streams[0].PeerNode, peer.Streams[0].Endpoint);
        _peers.Remove(key);
        foreach (var stream in peer.Streams)
        {
            _closing.RemoveAll(t => t.IsCompleted);
            _closing.Add(stream.CloseAsync(CloseGrace));
        }

        Interlocked.Increment(ref _closedStreams);
    }

    private long LostFrames()
    {
        lock (_gate)
        {
            return _peers.Values.SelectMany(p => p.Streams).Sum(s => Interlocked.Read(ref s.LostFrames));
        }
    }

    private EpollLoop LoopFor(long localId) => _loops[(int)((ulong)localId % (ulong)_loops.Length)];

    private int StreamIndex(WireEnd end) => (int)((uint)HashCode.Combine(end.Namespace, end.Uid) % (uint)_options.StreamsPerPeer);

    private static WireBind BindOf(WireEndState state) => new()
    {
        Namespace = state.End.Namespace,
        Uid = state.End.Uid,
        SenderLocalId = state.End.LocalId,
        Offloads = state.Tap.Offloads,
    };

    private static void Validate(WireEnd end)
    {
        ArgumentNullException.ThrowIfNull(end);
        string? problem =
            end.LocalId < 0 ? "LocalId must be >= 0"
            : string.IsNullOrEmpty(end.Namespace) ? "Namespace is required"
            : end.Uid < 0 ? "Uid must be >= 0"
            : string.IsNullOrEmpty(end.NetNsPath) ? "NetNsPath is required"
            : string.IsNullOrEmpty(end.InterfaceName) || end.InterfaceName.Length > 15 ? "InterfaceName must be 1 to 15 characters"
            : string.IsNullOrEmpty(end.PeerNode) ? "PeerNode is required"
            : end.PeerEndpoint is null ? "PeerEndpoint is required"
            : end.Mtu is < 68 or > 65535 ? "Mtu must be 68 to 65535"
            : null;
        if (problem is not null)
        {
            throw new ArgumentException($"Wire end {end.LocalId} ({end.Namespace}/{end.Uid}): {problem}.", nameof(end));
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<Task> closing;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            foreach (var state in _byId.Values.ToList())
            {
                DetachLocked(state);
            }

            closing = [.. _closing];
        }

        await Task.WhenAll(closing);
        foreach (var loop in _loops)
        {
            loop.Dispose();
        }
    }

    private sealed class PeerConnection(PeerStream[] streams)
    {
        public PeerStream[] Streams { get; } = streams;

        public int Ends { get; set; }
    }

    private sealed class RelayCounters
    {
        private long _unknown, _foreign, _oversized, _malformed, _refused;

        public void CountUnknown() => Interlocked.Increment(ref _unknown);

        public void CountForeign() => Interlocked.Increment(ref _foreign);

        public void CountOversized() => Interlocked.Increment(ref _oversized);

        public void CountMalformed() => Interlocked.Increment(ref _malformed);

        public void CountRefused() => Interlocked.Increment(ref _refused);

        public WireRelayCounters Snapshot(long lost) => new(
            Interlocked.Read(ref _unknown), Interlocked.Read(ref _foreign), Interlocked.Read(ref _oversized),
            Interlocked.Read(ref _malformed), Interlocked.Read(ref _refused), lost);
    }
}

/// <summary>Node-wide wire drops that no single end accounts for.</summary>
/// <param name="UnknownIdFrames">Frames addressed to an id no end here has.</param>
/// <param name="ForeignFrames">Frames for an end whose peer is another node than the sender.</param>
/// <param name="OversizedFrames">Frames too short, or larger than the end's MTU (plain frames) or 64 KiB.</param>
/// <param name="MalformedMessages">Messages whose frame list was truncated.</param>
/// <param name="Refused">Binds and frames refused from a node (each one counted).</param>
/// <param name="LostInQueue">Frames queued on a stream when it failed.</param>
public readonly record struct WireRelayCounters(
    long UnknownIdFrames, long ForeignFrames, long OversizedFrames, long MalformedMessages, long Refused, long LostInQueue);
