using System.Buffers;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;

namespace Meshnet.Wire;

/// <summary>
/// One dedicated thread waiting on an epoll set of TAP descriptors (level-triggered). On readiness it reads each
/// ready TAP up to a budget, straight into the pending batch of the stream the end uses, and after the round hands
/// every batch it filled to its stream: one message for many frames, and no thread or blocking read per TAP.
/// </summary>
internal sealed class EpollLoop : IDisposable
{
    private const ulong WakeToken = ulong.MaxValue;
    private const int MaxEvents = 256;

    private readonly WireRelay _relay;
    private readonly WireRelayOptions _options;
    private readonly ILogger _logger;
    private readonly WireFd _epoll;
    private readonly WireFd _wake;
    private readonly Thread _thread;
    private readonly Dictionary<PeerStream, Pending> _pending = [];
    private readonly List<PeerStream> _dirty = [];
    private readonly byte[] _scratch = new byte[Tap.TapQueue.MaxFrameSize];
    private volatile bool _stopping;
    private int _sweptAt;

    public unsafe EpollLoop(WireRelay relay, WireRelayOptions options, ILogger logger, int index)
    {
        _relay = relay;
        _options = options;
        _logger = logger;
        _epoll = new WireFd(Check(Interop.EpollCreate1(Interop.EPOLL_CLOEXEC), "epoll_create1"));
        _wake = new WireFd(Check(Interop.EventFd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK), "eventfd"));
        var ev = new Interop.EpollEvent { Events = Interop.EPOLLIN, Data = WakeToken };
        Check(Interop.EpollCtl(_epoll, Interop.EPOLL_CTL_ADD, _wake, &ev), "epoll_ctl");
        _thread = new Thread(Run) { IsBackground = true, Name = $"meshnet-wire-{index}" };
        _thread.Start();
    }

    /// <summary>Watches the end's TAP; its id is the epoll token.</summary>
    public unsafe void Add(WireEndState end)
    {
        var ev = new Interop.EpollEvent { Events = Interop.EPOLLIN, Data = (ulong)end.End.LocalId };
        Check(Interop.EpollCtl(_epoll, Interop.EPOLL_CTL_ADD, end.Tap.Handle, &ev), "epoll_ctl add");
    }

    /// <summary>Stops watching the end's TAP (before its descriptor is closed).</summary>
    public unsafe void Remove(WireEndState end)
    {
        try
        {
            Interop.EpollCtl(_epoll, Interop.EPOLL_CTL_DEL, end.Tap.Handle, null);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private unsafe void Run()
    {
        var events = stackalloc Interop.EpollEvent[MaxEvents];
        while (!_stopping)
        {
            var n = Interop.EpollWait(_epoll, events, MaxEvents, -1);
            if (n < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Interop.EINTR)
                {
                    continue;
                }

                throw new WireSysException("epoll_wait", "wire loop", errno);
            }

            for (var i = 0; i < n; i++)
            {
                if (events[i].Data == WakeToken)
                {
                    continue;
                }

                if (_relay.TryGetEnd((long)events[i].Data, out var end))
                {
                    ReadFrom(end);
                }
            }

            FlushDirty();
            SweepClosed();
        }
    }

    private void ReadFrom(WireEndState end)
    {
        var stream = end.Stream;
        for (var budget = _options.ReadBudget; budget > 0; budget--)
        {
            var pending = PendingFor(stream);
            int n;
            try
            {
                n = end.Tap.Read(pending.Buffer.AsSpan(pending.Length + FrameBatch.RecordHeaderSize, Tap.TapQueue.MaxFrameSize));
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (WireSysException e)
            {
                // A TAP that fails to read would be reported ready forever; stop watching it (its carrier is the
                // control plane's to notice through the status).
                WireLog.ReadFailed(_logger, end.End.LocalId, e);
                Remove(end);
                return;
            }

            if (n == 0)
            {
                return;
            }

            var peer = end.PeerId;
            if (peer == WireEndState.Unbound || !stream.Connected || stream.IsFull)
            {
                end.CountTxDrop();
                continue;
            }

            FrameBatch.WriteHeader(pending.Buffer.AsSpan(pending.Length), peer, n);
            pending.Length += FrameBatch.RecordHeaderSize + n;
            pending.Frames++;
            end.CountTx(n - Tap.TapQueue.VnetHeaderSize);
            if (pending.Frames == 1)
            {
                _dirty.Add(stream);
            }
        }
    }

    /// <summary>The stream's pending batch, with room for one more frame (a full one goes to the stream first).</summary>
    private Pending PendingFor(PeerStream stream)
    {
        if (!_pending.TryGetValue(stream, out var pending))
        {
            pending = new Pending { Buffer = ArrayPool<byte>.Shared.Rent(_options.BatchBytes) };
            _pending[stream] = pending;
        }
        else if (pending.Buffer.Length - pending.Length < FrameBatch.RecordHeaderSize + Tap.TapQueue.MaxFrameSize)
        {
            Flush(stream, pending);
            _dirty.Remove(stream);
        }

        return pending;
    }

    private void FlushDirty()
    {
        foreach (var stream in _dirty)
        {
            Flush(stream, _pending[stream]);
        }

        _dirty.Clear();
    }

    private void Flush(PeerStream stream, Pending pending)
    {
        if (pending.Frames == 0)
        {
            return;
        }

        stream.EnqueueBatch(pending.Buffer, pending.Length, pending.Frames);
        pending.Buffer = ArrayPool<byte>.Shared.Rent(_options.BatchBytes);
        pending.Length = 0;
        pending.Frames = 0;
    }

    /// <summary>Returns the pending buffers of streams that were closed since the last sweep (a closed stream is never reused).</summary>
    private void SweepClosed()
    {
        var closed = _relay.ClosedStreams;
        if (closed == _sweptAt)
        {
            return;
        }

        _sweptAt = closed;
        foreach (var (stream, pending) in _pending.Where(p => p.Key.Closed).ToList())
        {
            ArrayPool<byte>.Shared.Return(pending.Buffer);
            _pending.Remove(stream);
        }
    }

    public unsafe void Dispose()
    {
        _stopping = true;
        var one = 1UL;
        Interop.Write(_wake, (byte*)&one, sizeof(ulong));
        _thread.Join();
        foreach (var pending in _pending.Values)
        {
            ArrayPool<byte>.Shared.Return(pending.Buffer);
        }

        _epoll.Dispose();
        _wake.Dispose();
    }

    private static int Check(int result, string operation) =>
        result >= 0 ? result : throw new WireSysException(operation, "wire loop", Marshal.GetLastPInvokeError());

    private sealed class Pending
    {
        public required byte[] Buffer { get; set; }

        public int Length { get; set; }

        public int Frames { get; set; }
    }
}
