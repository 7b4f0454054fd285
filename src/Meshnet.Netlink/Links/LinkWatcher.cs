using System.Runtime.InteropServices;
using System.Threading.Channels;
using Meshnet.Netlink.Protocol;

namespace Meshnet.Netlink;

/// <summary>
/// Link notifications (the RTNLGRP_LINK multicast group) of one namespace. A dedicated thread waits in poll() on the
/// netlink socket and a stop eventfd, so no pool thread is ever blocked. If the kernel drops notifications because
/// the reader fell behind (ENOBUFS), the stream ends with that <see cref="NetlinkException"/>: the consumer must
/// re-list and reopen, since it has missed events.
/// </summary>
public sealed class LinkWatcher : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly SafeFd _stop;
    private readonly Channel<LinkEvent> _events = Channel.CreateUnbounded<LinkEvent>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly Thread _thread;
    private int _disposed;

    private LinkWatcher(NetlinkSocket socket, SafeFd stop)
    {
        _socket = socket;
        _stop = stop;
        _thread = new Thread(Pump) { IsBackground = true, Name = "meshnet-linkwatch" };
        _thread.Start();
    }

    /// <summary>Subscribes to link events in <paramref name="ns"/> (null: the calling thread's namespace). Events start now.</summary>
    public static LinkWatcher Open(NetNs? ns = null)
    {
        NetlinkSocket OpenSocket() => NetlinkSocket.Open(Rt.RTMGRP_LINK, nonBlocking: true);
        var socket = ns is null ? OpenSocket() : ns.Run(OpenSocket);
        var stop = Interop.EventFd(0, Interop.EFD_CLOEXEC | Interop.EFD_NONBLOCK);
        if (stop < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            socket.Dispose();
            throw new NetlinkException("eventfd", "link watcher", errno);
        }

        return new LinkWatcher(socket, new SafeFd(stop));
    }

    /// <summary>The events, in kernel order, until disposal (or an overflow, which throws).</summary>
    public IAsyncEnumerable<LinkEvent> ReadAllAsync(CancellationToken ct = default) => _events.Reader.ReadAllAsync(ct);

    public unsafe void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ulong one = 1;
        Interop.Write(_stop, &one, sizeof(ulong));
        _thread.Join();
        _socket.Dispose();
        _stop.Dispose();
        _events.Writer.TryComplete();
    }

    private unsafe void Pump()
    {
        try
        {
            var fds = stackalloc Interop.PollFd[2];
            fds[0] = new Interop.PollFd { Fd = _socket.Fd.Value, Events = Interop.POLLIN };
            fds[1] = new Interop.PollFd { Fd = _stop.Value, Events = Interop.POLLIN };
            while (true)
            {
                fds[0].Revents = fds[1].Revents = 0;
                if (Interop.Poll(fds, 2, -1) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno == Interop.EINTR)
                    {
                        continue;
                    }

                    throw new NetlinkException("poll", "link watcher", errno);
                }

                if (fds[1].Revents != 0)
                {
                    return;
                }

                Drain();
            }
        }
        catch (NetlinkException e)
        {
            _events.Writer.TryComplete(e);
        }
    }

    private void Drain()
    {
        while (true)
        {
            var datagram = _socket.Receive(dontWait: true);
            if (datagram.IsEmpty)
            {
                return;
            }

            foreach (var message in NetlinkReader.Messages(datagram))
            {
                var type = message.Header.Type switch
                {
                    Rt.RTM_NEWLINK => LinkEventType.NewLink,
                    Rt.RTM_DELLINK => LinkEventType.DelLink,
                    _ => (LinkEventType?)null,
                };
                if (type is { } t)
                {
                    _events.Writer.TryWrite(new LinkEvent(t, LinkMessages.Parse(message)));
                }
            }
        }
    }
}
