using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Meshnet.Netlink;

/// <summary>
/// An AF_PACKET socket on one interface for one ethertype: sends and receives whole Ethernet frames. Like every
/// socket, it belongs to the network namespace of the thread that opened it (open it inside <see cref="NetNs.Run{T}"/>)
/// and can be used from any thread after.
/// </summary>
public sealed class PacketSocket : IDisposable
{
    private readonly SafeFd _fd;

    private PacketSocket(SafeFd fd, int ifIndex, ushort etherType)
    {
        _fd = fd;
        IfIndex = ifIndex;
        EtherType = etherType;
    }

    public int IfIndex { get; }

    public ushort EtherType { get; }

    /// <summary>socket(AF_PACKET, SOCK_RAW, ethertype) bound to the interface with index <paramref name="ifIndex"/>.</summary>
    public static unsafe PacketSocket Open(int ifIndex, ushort etherType)
    {
        var protocol = BinaryPrimitives.ReverseEndianness(etherType);
        var fd = new SafeFd((int)Interop.Check(
            Interop.Socket(Interop.AF_PACKET, Interop.SOCK_RAW | Interop.SOCK_CLOEXEC, protocol), "socket(AF_PACKET)", $"ifindex {ifIndex}"));
        try
        {
            var address = new Interop.SockaddrLl { Family = Interop.AF_PACKET, Protocol = protocol, IfIndex = ifIndex };
            Interop.Check(Interop.Bind(fd, &address, sizeof(Interop.SockaddrLl)), "bind(AF_PACKET)", $"ifindex {ifIndex}");
        }
        catch
        {
            fd.Dispose();
            throw;
        }

        return new PacketSocket(fd, ifIndex, etherType);
    }

    /// <summary>Sends one frame (destination, source, ethertype, payload) out of the interface.</summary>
    public unsafe void Send(ReadOnlySpan<byte> frame)
    {
        var address = new Interop.SockaddrLl { Family = Interop.AF_PACKET, Protocol = BinaryPrimitives.ReverseEndianness(EtherType), IfIndex = IfIndex, HaLen = 6 };
        frame[..6].CopyTo(new Span<byte>(address.Addr, 6));
        fixed (byte* p = frame)
        {
            Interop.Check(Interop.SendTo(_fd, p, (nuint)frame.Length, 0, &address, sizeof(Interop.SockaddrLl)), "sendto(AF_PACKET)", $"ifindex {IfIndex}");
        }
    }

    /// <summary>Receives one frame into <paramref name="buffer"/>; 0 when none arrived within <paramref name="timeout"/>.</summary>
    public unsafe int Receive(Span<byte> buffer, TimeSpan timeout)
    {
        var poll = new Interop.PollFd { Fd = _fd.Value, Events = Interop.POLLIN };
        var ready = Interop.Poll(&poll, 1, (int)Math.Max(0, timeout.TotalMilliseconds));
        if (ready < 0 && Marshal.GetLastPInvokeError() == Interop.EINTR)
        {
            return 0;
        }

        Interop.Check(ready, "poll(AF_PACKET)", $"ifindex {IfIndex}");
        if (ready == 0)
        {
            return 0;
        }

        fixed (byte* p = buffer)
        {
            return (int)Interop.Check(Interop.Recv(_fd, p, (nuint)buffer.Length, Interop.MSG_DONTWAIT), "recv(AF_PACKET)", $"ifindex {IfIndex}");
        }
    }

    public void Dispose() => _fd.Dispose();
}
