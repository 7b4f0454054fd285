using System.Runtime.InteropServices;
using System.Text;
using Meshnet.Netlink;

namespace Meshnet.Wire.Tap;

/// <summary>
/// The relay's descriptor on an existing persistent TAP in a pod's namespace: IFF_TAP | IFF_NO_PI | IFF_VNET_HDR,
/// non-blocking, so every frame read or written starts with a <see cref="VnetHeaderSize"/>-byte virtio_net_hdr and
/// may be a GSO super-frame when offloads are on. Closing it detaches the relay; the kernel then drops the TAP's
/// carrier by itself, so a dead daemon leaves its pods with NO-CARRIER rather than a silent black hole.
/// </summary>
internal sealed class TapQueue : IDisposable
{
    /// <summary>virtio_net_hdr_v1 (with num_buffers), as qemu uses it; both ends of a wire use this size.</summary>
    public const int VnetHeaderSize = 12;

    /// <summary>The largest frame a TAP hands over: a 64 KiB GSO super-frame plus the header.</summary>
    public const int MaxFrameSize = 65535 + VnetHeaderSize;

    public const uint TUN_F_CSUM = 0x01;
    public const uint TUN_F_TSO4 = 0x02;
    public const uint TUN_F_TSO6 = 0x04;

    /// <summary>What the relay asks for: checksum offload and TCP segmentation for IPv4 and IPv6.</summary>
    public const uint WantedOffloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;

    private readonly WireFd _fd;

    private TapQueue(WireFd fd, string name, int ifIndex, uint offloads)
    {
        _fd = fd;
        Name = name;
        IfIndex = ifIndex;
        Offloads = offloads;
    }

    public string Name { get; }

    /// <summary>The TAP's ifindex in its namespace when it was opened.</summary>
    public int IfIndex { get; }

    /// <summary>TUN_F_* flags the kernel accepted when the queue was opened (0 when it refused offloads).</summary>
    public uint Offloads { get; }

    public SafeHandle Handle => _fd;

    /// <summary>
    /// Opens the existing TAP <paramref name="name"/> in the namespace at <paramref name="netNsPath"/> (on a thread
    /// switched into it: TUNSETIFF looks the name up in the caller's namespace). Never creates one: a missing TAP is
    /// the control plane's to make, and a TAP made here would vanish with the descriptor.
    /// </summary>
    public static TapQueue Open(string netNsPath, string name)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length is 0 or >= Interop.IFNAMSIZ)
        {
            throw new ArgumentException($"TAP name '{name}' must be 1 to 15 bytes.", nameof(name));
        }

        using var ns = NetNs.Open(netNsPath);
        return ns.Run(() => OpenHere(name, nameBytes));
    }

    private static unsafe TapQueue OpenHere(string name, byte[] nameBytes)
    {
        var ifIndex = (int)Interop.IfNameToIndex(name);
        if (ifIndex == 0)
        {
            throw new WireSysException("open TAP", name, Interop.ENOENT);
        }

        var raw = Interop.Open("/dev/net/tun", Interop.O_RDWR | Interop.O_NONBLOCK | Interop.O_CLOEXEC);
        if (raw < 0)
        {
            throw new WireSysException("open /dev/net/tun for", name, Marshal.GetLastPInvokeError());
        }

        var fd = new WireFd(raw);
        try
        {
            var request = default(Interop.IfReqFlags);
            nameBytes.CopyTo(new Span<byte>(request.Name, Interop.IFNAMSIZ));
            request.Flags = Interop.IFF_TAP | Interop.IFF_NO_PI | Interop.IFF_VNET_HDR;
            Check(Interop.Ioctl(fd, Interop.TUNSETIFF, &request), "TUNSETIFF", name);
            var headerSize = VnetHeaderSize;
            Check(Interop.Ioctl(fd, Interop.TUNSETVNETHDRSZ, &headerSize), "TUNSETVNETHDRSZ", name);
            var offloads = TrySetOffloads(fd, WantedOffloads) ? WantedOffloads : 0;
            var queue = new TapQueue(fd, name, ifIndex, offloads);

            // Attaching turns the carrier on; the wire is not up until the peer's end is bound.
            queue.SetCarrier(false);
            return queue;
        }
        catch
        {
            fd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// = TUNSETOFFLOAD: which offloaded frames (partial checksums, TSO super-frames) the kernel may hand this queue.
    /// Returns false when the kernel refuses (the TAP then works with plain frames).
    /// </summary>
    public bool TrySetOffloads(uint offloads) => TrySetOffloads(_fd, offloads);

    private static bool TrySetOffloads(WireFd fd, uint offloads) => Interop.Ioctl(fd, Interop.TUNSETOFFLOAD, (nint)offloads) == 0;

    /// <summary>= TUNSETCARRIER: the pod sees LOWER_UP / NO-CARRIER on its interface.</summary>
    public void SetCarrier(bool up)
    {
        var value = up ? 1 : 0;
        unsafe
        {
            Check(Interop.Ioctl(_fd, Interop.TUNSETCARRIER, &value), "TUNSETCARRIER", Name);
        }
    }

    /// <summary>Reads one frame (header + Ethernet frame) into <paramref name="buffer"/>; 0 when none is waiting.</summary>
    public unsafe int Read(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            var n = Interop.Read(_fd, p, (nuint)buffer.Length);
            if (n >= 0)
            {
                return (int)n;
            }

            var errno = Marshal.GetLastPInvokeError();
            return errno is Interop.EAGAIN or Interop.EINTR ? 0 : throw new WireSysException("read", Name, errno);
        }
    }

    /// <summary>
    /// Writes one frame (header + Ethernet frame); false when the kernel did not take it (queue full, TAP down, a
    /// header it rejects): the frame is dropped, like a cable drops what the far end cannot receive.
    /// </summary>
    public unsafe bool Write(ReadOnlySpan<byte> frame)
    {
        fixed (byte* p = frame)
        {
            return Interop.Write(_fd, p, (nuint)frame.Length) >= 0;
        }
    }

    public void Dispose() => _fd.Dispose();

    private static void Check(int result, string operation, string name)
    {
        if (result != 0)
        {
            throw new WireSysException(operation, name, Marshal.GetLastPInvokeError());
        }
    }
}
