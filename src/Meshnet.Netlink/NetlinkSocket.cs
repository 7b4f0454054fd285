using System.Runtime.InteropServices;

namespace Meshnet.Netlink;

/// <summary>
/// One NETLINK_ROUTE socket, bound to the namespace of the thread that opened it. Knows how to send a buffer of
/// requests and collect the kernel's replies; knows nothing about links or addresses.
/// </summary>
internal sealed class NetlinkSocket : IDisposable
{
    // Big enough for a whole chunk of batch acks and for dump datagrams (the kernel caps those near 32 KiB).
    private const int SocketBufferBytes = 8 << 20;
    private const int ReceiveBufferBytes = 64 << 10;

    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferBytes];
    private int _sequence;

    private NetlinkSocket(SafeFd fd) => Fd = fd;

    public SafeFd Fd { get; }

    /// <summary>Opens a socket in the calling thread's namespace, optionally subscribed to multicast groups.</summary>
    public static unsafe NetlinkSocket Open(uint groups = 0, bool nonBlocking = false)
    {
        var type = Interop.SOCK_RAW | Interop.SOCK_CLOEXEC | (nonBlocking ? Interop.SOCK_NONBLOCK : 0);
        var fd = new SafeFd((int)Interop.Check(Interop.Socket(Interop.AF_NETLINK, type, Interop.NETLINK_ROUTE), "socket", "netlink"));
        try
        {
            var one = 1;
            Interop.Check(Interop.SetSockOpt(fd, Interop.SOL_NETLINK, Interop.NETLINK_EXT_ACK, &one, sizeof(int)), "setsockopt", "NETLINK_EXT_ACK");
            // Errors need not echo our whole request back: smaller acks, more of them fit in the receive buffer.
            Interop.Check(Interop.SetSockOpt(fd, Interop.SOL_NETLINK, Interop.NETLINK_CAP_ACK, &one, sizeof(int)), "setsockopt", "NETLINK_CAP_ACK");
            SetBuffer(fd, Interop.SO_SNDBUFFORCE, Interop.SO_SNDBUF);
            SetBuffer(fd, Interop.SO_RCVBUFFORCE, Interop.SO_RCVBUF);
            var address = new Interop.SockaddrNl { Family = Interop.AF_NETLINK, Groups = groups };
            Interop.Check(Interop.Bind(fd, &address, sizeof(Interop.SockaddrNl)), "bind", "netlink");
            return new NetlinkSocket(fd);
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>A fresh request sequence number (thread-safe; batches take theirs ahead of sending).</summary>
    public uint NextSequence() => unchecked((uint)Interlocked.Increment(ref _sequence));

    public unsafe void Send(ReadOnlySpan<byte> messages)
    {
        fixed (byte* p = messages)
        {
            while (true)
            {
                var sent = Interop.Send(Fd, p, (nuint)messages.Length, 0);
                if (sent >= 0)
                {
                    return;
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno != Interop.EINTR)
                {
                    throw new NetlinkException("send", "netlink", errno);
                }
            }
        }
    }

    /// <summary>Receives one datagram; returns an empty span when a non-blocking socket has nothing to read.</summary>
    public unsafe ReadOnlySpan<byte> Receive(bool dontWait = false)
    {
        fixed (byte* p = _receiveBuffer)
        {
            while (true)
            {
                var flags = Interop.MSG_TRUNC | (dontWait ? Interop.MSG_DONTWAIT : 0);
                var received = Interop.Recv(Fd, p, (nuint)_receiveBuffer.Length, flags);
                if (received >= 0)
                {
                    if (received > _receiveBuffer.Length)
                    {
                        throw new NetlinkException($"recv netlink: datagram of {received} bytes exceeds the {_receiveBuffer.Length}-byte buffer");
                    }

                    return _receiveBuffer.AsSpan(0, (int)received);
                }

                var errno = Marshal.GetLastPInvokeError();
                if (errno == Interop.EAGAIN && dontWait)
                {
                    return default;
                }

                if (errno != Interop.EINTR)
                {
                    throw new NetlinkException("recv", "netlink", errno);
                }
            }
        }
    }

    public void Dispose() => Fd.Dispose();

    private static unsafe void SetBuffer(SafeFd fd, int forced, int unforced)
    {
        var size = SocketBufferBytes;
        // The FORCE variants need CAP_NET_ADMIN; without it we settle for what the sysctl maximum allows.
        if (Interop.SetSockOpt(fd, Interop.SOL_SOCKET, forced, &size, sizeof(int)) != 0)
        {
            Interop.SetSockOpt(fd, Interop.SOL_SOCKET, unforced, &size, sizeof(int));
        }
    }
}
