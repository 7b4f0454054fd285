using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Meshnet.Netlink;

/// <summary>
/// TAP devices through /dev/net/tun. The kernel creates a tap in the namespace of whoever opens /dev/net/tun, so the
/// open happens inside the target namespace.
/// </summary>
public static class TapDevice
{
    private const short IFF_TAP = 0x0002;
    private const short IFF_MULTI_QUEUE = 0x0100;
    private const short IFF_NO_PI = 0x1000;
    private const int IfNameSize = 16;

    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private unsafe struct IfReqFlags
    {
        public fixed byte Name[IfNameSize];
        public short Flags;
    }

    /// <summary>
    /// Attaches to the tap NAME (creating a non-persistent one if none exists) and returns the descriptor that reads
    /// and writes its frames (no packet-info header). Used to relay a tap over the network.
    /// </summary>
    public static SafeFileHandle Open(string name, NetNs? ns = null, bool multiQueue = false)
    {
        SafeFileHandle Attach() => SetIff(name, multiQueue);
        return ns is null ? Attach() : ns.Run(Attach);
    }

    /// <summary>= ip tuntap add NAME mode tap [multi_queue], then the common attributes via RTM_SETLINK.</summary>
    internal static void Create(NetlinkHandle handle, Tap tap)
    {
        if (!tap.Persistent)
        {
            throw new ArgumentException(
                $"Tap {tap.Name}: a non-persistent tap lives only as long as its descriptor; use TapDevice.Open to get one.", nameof(tap));
        }

        var ns = tap.Namespace ?? handle.Namespace;
        void MakePersistent()
        {
            using var fd = SetIff(tap.Name, tap.MultiQueue);
            if (Interop.Ioctl(fd, Interop.TUNSETPERSIST, 1) != 0)
            {
                throw new NetlinkException("LinkAdd", tap.Name, Marshal.GetLastPInvokeError());
            }
        }

        if (ns is null)
        {
            MakePersistent();
        }
        else
        {
            ns.Run(MakePersistent);
        }

        if (tap.Mtu is null && tap.HardwareAddr is null && !tap.Up)
        {
            return;
        }

        using var target = tap.Namespace is null ? null : NetlinkHandle.Open(tap.Namespace);
        var configure = target ?? handle;
        var index = configure.LinkByName(tap.Name).Index;
        if (tap.Mtu is { } mtu)
        {
            configure.LinkSetMtu(index, mtu);
        }

        if (tap.HardwareAddr is { } mac)
        {
            configure.LinkSetHardwareAddr(index, mac);
        }

        if (tap.Up)
        {
            configure.LinkSetUp(index);
        }
    }

    /// <summary>
    /// = ip tuntap add NAME mode tap, for many names at once: all made persistent from one thread switched into
    /// <paramref name="ns"/> (null: this process's namespace) instead of one thread per device. Attributes (MTU, MAC,
    /// up) are left to the caller. Returns one entry per name: null when made, else why not.
    /// </summary>
    public static IReadOnlyList<NetlinkException?> CreatePersistent(NetNs? ns, IReadOnlyList<string> names)
    {
        NetlinkException?[] Make()
        {
            var results = new NetlinkException?[names.Count];
            for (var i = 0; i < names.Count; i++)
            {
                try
                {
                    using var fd = SetIff(names[i], multiQueue: false);
                    if (Interop.Ioctl(fd, Interop.TUNSETPERSIST, 1) != 0)
                    {
                        results[i] = new NetlinkException("LinkAdd", names[i], Marshal.GetLastPInvokeError());
                    }
                }
                catch (NetlinkException e)
                {
                    results[i] = e;
                }
                catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
                {
                    results[i] = new NetlinkException("LinkAdd", names[i], 22 /* EINVAL */, e.Message);
                }
            }

            return results;
        }

        return ns is null ? Make() : ns.Run(Make);
    }

    private static unsafe SafeFileHandle SetIff(string name, bool multiQueue)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length >= IfNameSize)
        {
            throw new ArgumentException($"Interface name '{name}' is longer than 15 bytes.", nameof(name));
        }

        var fd = File.OpenHandle("/dev/net/tun", FileMode.Open, FileAccess.ReadWrite);
        var request = default(IfReqFlags);
        nameBytes.CopyTo(new Span<byte>(request.Name, IfNameSize));
        request.Flags = (short)(IFF_TAP | IFF_NO_PI | (multiQueue ? IFF_MULTI_QUEUE : 0));
        if (Interop.Ioctl(fd, Interop.TUNSETIFF, &request) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            fd.Dispose();
            throw new NetlinkException("TUNSETIFF", name, errno);
        }

        return fd;
    }
}
