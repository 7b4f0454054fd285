using Meshnet.Wire.Tap;

namespace Meshnet.Wire;

/// <summary>
/// One attached end: its TAP queue, the stream its frames leave on, what the peer told us (its end's id, offloads,
/// and the incoming stream that told us), the carrier, and counters.
/// </summary>
internal sealed class WireEndState(WireEnd end, TapQueue tap, PeerStream stream)
{
    public const long Unbound = -1;

    private readonly Lock _gate = new();
    private long _peerId = Unbound;
    private object? _peerBoundVia;
    private string _unboundReason = "peer end not bound yet";
    private bool _detached;
    private long _txFrames, _txBytes, _txDrops, _rxFrames, _rxBytes, _rxDrops;

    public WireEnd End { get; } = end;

    public TapQueue Tap { get; } = tap;

    public PeerStream Stream { get; } = stream;

    /// <summary>The peer end's id (frames we send carry it), or <see cref="Unbound"/>.</summary>
    public long PeerId => Volatile.Read(ref _peerId);

    public bool CarrierUp { get; private set; }

    public string? DownReason { get; private set; } = "peer end not bound yet";

    public void CountTx(int bytes)
    {
        Interlocked.Increment(ref _txFrames);
        Interlocked.Add(ref _txBytes, bytes);
    }

    public void CountTxDrop() => Interlocked.Increment(ref _txDrops);

    public void CountRx(int bytes)
    {
        Interlocked.Increment(ref _rxFrames);
        Interlocked.Add(ref _rxBytes, bytes);
    }

    public void CountRxDrop() => Interlocked.Increment(ref _rxDrops);

    public WireStatus Status()
    {
        lock (_gate)
        {
            var peer = PeerId;
            return new WireStatus(End, CarrierUp, DownReason, peer == Unbound ? null : peer, new WireCounters(
                Interlocked.Read(ref _txFrames), Interlocked.Read(ref _txBytes), Interlocked.Read(ref _txDrops),
                Interlocked.Read(ref _rxFrames), Interlocked.Read(ref _rxBytes), Interlocked.Read(ref _rxDrops)));
        }
    }

    /// <summary>
    /// The peer bound its end with <paramref name="peerId"/> over incoming stream <paramref name="via"/>. Returns
    /// true when this is news (a new id or a new stream), i.e. when the peer may not know our id yet.
    /// </summary>
    public bool Bind(long peerId, uint peerOffloads, object via)
    {
        lock (_gate)
        {
            var news = _peerId != peerId || !ReferenceEquals(_peerBoundVia, via);
            _peerBoundVia = via;
            Volatile.Write(ref _peerId, peerId);

            // Offer the kernel only the offloads the peer's TAP also takes, so no super-frame is sent that the
            // other side could not write whole; on failure the TAP falls back to plain frames.
            if (!Tap.TrySetOffloads(Tap.Offloads & peerOffloads))
            {
                Tap.TrySetOffloads(0);
            }

            return news;
        }
    }

    /// <summary>Forgets the peer's end when it was bound with <paramref name="peerId"/> (any id when null) or via <paramref name="via"/>.</summary>
    public bool Unbind(long? peerId, object? via, string reason)
    {
        lock (_gate)
        {
            if (_peerId == Unbound || (peerId is { } id && id != _peerId) || (via is not null && !ReferenceEquals(via, _peerBoundVia)))
            {
                return false;
            }

            Volatile.Write(ref _peerId, Unbound);
            _peerBoundVia = null;
            _unboundReason = reason;
            return true;
        }
    }

    /// <summary>
    /// Sets the carrier from the path: up only while the peer's end is bound and our stream to it is open.
    /// Returns the new status when the carrier changed.
    /// </summary>
    public WireStatus? Refresh()
    {
        lock (_gate)
        {
            if (_detached)
            {
                return null;
            }

            string? reason = !Stream.Connected ? Stream.DownReason
                : PeerId == Unbound ? _unboundReason
                : null;
            var up = reason is null;
            DownReason = reason;
            if (up == CarrierUp)
            {
                return null;
            }

            try
            {
                Tap.SetCarrier(up);
            }
            catch (Exception e) when (e is ObjectDisposedException or WireSysException)
            {
                // The TAP was deleted under us (its descriptor is dead): nothing to switch; the control plane
                // detaches the end when it notices.
                DownReason = $"TAP {End.InterfaceName} unusable: {e.Message}";
                return null;
            }

            CarrierUp = up;
        }

        return Status();
    }

    /// <summary>Marks the end gone: no more carrier changes.</summary>
    public void MarkDetached()
    {
        lock (_gate)
        {
            _detached = true;
        }
    }
}
