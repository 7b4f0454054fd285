using System.Runtime.InteropServices;
using System.Text;

namespace Meshnet.Netlink;

/// <summary>
/// The legacy ethtool ioctl (SIOCETHTOOL), enough to switch checksum and segmentation offloads. The ioctl resolves the
/// interface name in the socket's namespace, so the socket is opened inside the link's namespace.
/// </summary>
internal static class Ethtool
{
    private const uint ETHTOOL_GTXCSUM = 0x16;
    private const uint ETHTOOL_STXCSUM = 0x17;
    private const uint ETHTOOL_GTSO = 0x1e;
    private const uint ETHTOOL_STSO = 0x1f;
    private const int IfNameSize = 16;

    /// <summary>struct ifreq with ifr_data: 16 bytes of name, then the union (40 bytes in all on 64-bit).</summary>
    [StructLayout(LayoutKind.Sequential, Size = 40)]
    private unsafe struct IfReq
    {
        public fixed byte Name[IfNameSize];
        public void* Data;
    }

    /// <summary>struct ethtool_value.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct EthtoolValue
    {
        public uint Command;
        public uint Data;
    }

    /// <summary>= ethtool -K IF tx off tso off, on a socket opened in the interface's namespace. EOPNOTSUPP (device has no such offload) is not an error.</summary>
    public static void DisableOffloads(SafeFd socket, string ifName)
    {
        // Segmentation first: once checksumming is off the kernel masks TSO out of the active set, and the legacy
        // STSO would then only clear part of the wanted TSO bits.
        Set(socket, ifName, ETHTOOL_STSO, 0);
        Set(socket, ifName, ETHTOOL_STXCSUM, 0);
    }

    /// <summary>= ethtool -k IF | grep tx-checksumming.</summary>
    public static bool IsTxChecksumOn(NetNs? ns, string ifName) => InNamespace(ns, socket => Get(socket, ifName, ETHTOOL_GTXCSUM)) != 0;

    /// <summary>= ethtool -k IF | grep tcp-segmentation-offload.</summary>
    public static bool IsTsoOn(NetNs? ns, string ifName) => InNamespace(ns, socket => Get(socket, ifName, ETHTOOL_GTSO)) != 0;

    /// <summary>A datagram socket in the calling thread's namespace: what SIOCETHTOOL needs.</summary>
    public static SafeFd OpenSocket()
    {
        var fd = Interop.Socket(Interop.AF_INET, Interop.SOCK_DGRAM | Interop.SOCK_CLOEXEC, 0);
        return new SafeFd((int)Interop.Check(fd, "socket", "AF_INET"));
    }

    private static T InNamespace<T>(NetNs? ns, Func<SafeFd, T> action)
    {
        T Run()
        {
            using var socket = OpenSocket();
            return action(socket);
        }

        return ns is null ? Run() : ns.Run(Run);
    }

    private static void Set(SafeFd socket, string ifName, uint command, uint value)
    {
        var result = Call(socket, ifName, new EthtoolValue { Command = command, Data = value }, out _);
        if (result != 0 && result is not Interop.EOPNOTSUPP)
        {
            throw Error(ifName, result);
        }
    }

    private static uint Get(SafeFd socket, string ifName, uint command)
    {
        var result = Call(socket, ifName, new EthtoolValue { Command = command }, out var value);
        return result == 0 ? value.Data : throw Error(ifName, result);
    }

    private static NetlinkException Error(string ifName, int errno) => errno == Interop.ENODEV
        ? new LinkNotFoundException("ethtool", ifName, errno)
        : new NetlinkException("ethtool", ifName, errno);

    /// <summary>Returns 0 or the errno.</summary>
    private static unsafe int Call(SafeFd socket, string ifName, EthtoolValue request, out EthtoolValue reply)
    {
        var ifr = default(IfReq);
        var nameBytes = Encoding.UTF8.GetBytes(ifName);
        if (nameBytes.Length >= IfNameSize)
        {
            throw new ArgumentException($"Interface name '{ifName}' is longer than 15 bytes.", nameof(ifName));
        }

        nameBytes.CopyTo(new Span<byte>(ifr.Name, IfNameSize));
        ifr.Data = &request;
        var result = Interop.Ioctl(socket, Interop.SIOCETHTOOL, &ifr);
        reply = request;
        return result == 0 ? 0 : Marshal.GetLastPInvokeError();
    }
}
