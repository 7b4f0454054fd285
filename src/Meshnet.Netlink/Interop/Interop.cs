using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Meshnet.Netlink;

/// <summary>Every libc call this library makes, in one place. Constants are the kernel's own names.</summary>
[SupportedOSPlatform("linux")]
internal static partial class Interop
{
    private const string LibName = "libc";

    public const int AF_INET = 2;
    public const int AF_INET6 = 10;
    public const int AF_NETLINK = 16;
    public const int SOCK_DGRAM = 2;
    public const int SOCK_RAW = 3;
    public const int SOCK_CLOEXEC = 0x80000;
    public const int SOCK_NONBLOCK = 0x800;
    public const int NETLINK_ROUTE = 0;

    public const int SOL_SOCKET = 1;
    public const int SO_SNDBUF = 7;
    public const int SO_RCVBUF = 8;
    public const int SO_SNDBUFFORCE = 32;
    public const int SO_RCVBUFFORCE = 33;
    public const int SOL_NETLINK = 270;
    public const int NETLINK_CAP_ACK = 10;
    public const int NETLINK_EXT_ACK = 11;

    public const int MSG_DONTWAIT = 0x40;
    public const int MSG_TRUNC = 0x20;

    public const int CLONE_NEWNET = 0x40000000;
    public const int CLONE_NEWNS = 0x00020000;
    public const nuint MS_RDONLY = 1;
    public const nuint MS_SLAVE = 1 << 19;
    public const int SIGPIPE = 13;
    public const int SIG_SETMASK = 2;
    public const int EACCES = 13;
    public const int AF_PACKET = 17;
    public const nuint MS_BIND = 4096;
    public const nuint MS_REC = 16384;
    public const nuint MS_SHARED = 1 << 20;
    public const int MNT_DETACH = 2;

    public const short POLLIN = 0x001;
    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    public const nuint SIOCETHTOOL = 0x8946;
    public const nuint TUNSETIFF = 0x400454ca;
    public const nuint TUNSETPERSIST = 0x400454cb;

    /// <summary>_IO(NSIO = 0xb7, 0x3): the CLONE_NEW* type of a namespace fd.</summary>
    public const nuint NS_GET_NSTYPE = 0xb703;

    public const int EINTR = 4;
    public const int ENOENT = 2;
    public const int EAGAIN = 11;
    public const int EEXIST = 17;
    public const int ENODEV = 19;
    public const int EINVAL = 22;
    public const int ENOBUFS = 105;
    public const int EOPNOTSUPP = 95;
    public const int ENOTSUP = EOPNOTSUPP;

    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [LibraryImport(LibName, EntryPoint = "socket", SetLastError = true)]
    public static partial int Socket(int domain, int type, int protocol);

    public const int O_RDONLY = 0;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    [LibraryImport(LibName, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(LibName, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(LibName, EntryPoint = "bind", SetLastError = true)]
    public static unsafe partial int Bind(SafeFd fd, SockaddrNl* address, int addressLength);

    [LibraryImport(LibName, EntryPoint = "setsockopt", SetLastError = true)]
    public static unsafe partial int SetSockOpt(SafeFd fd, int level, int name, void* value, int valueLength);

    [LibraryImport(LibName, EntryPoint = "send", SetLastError = true)]
    public static unsafe partial nint Send(SafeFd fd, byte* buffer, nuint length, int flags);

    [LibraryImport(LibName, EntryPoint = "recv", SetLastError = true)]
    public static unsafe partial nint Recv(SafeFd fd, byte* buffer, nuint length, int flags);

    [LibraryImport(LibName, EntryPoint = "ioctl", SetLastError = true)]
    public static unsafe partial int Ioctl(SafeHandle fd, nuint request, void* argument);

    [LibraryImport(LibName, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeHandle fd, nuint request, nint argument);

    [LibraryImport(LibName, EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(SafeHandle fd, int nsType);

    [LibraryImport(LibName, EntryPoint = "unshare", SetLastError = true)]
    public static partial int Unshare(int flags);

    [LibraryImport(LibName, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Mount(string? source, string target, string? fileSystemType, nuint flags, nint data);

    [LibraryImport(LibName, EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport(LibName, EntryPoint = "execvp", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Execvp(string file, string?[] argv);

    [LibraryImport(LibName, EntryPoint = "signal")]
    public static partial nint Signal(int signal, nint handler);

    [LibraryImport(LibName, EntryPoint = "pthread_sigmask")]
    public static unsafe partial int PthreadSigmask(int how, byte* set, byte* oldSet);

    [LibraryImport(LibName, EntryPoint = "sendto", SetLastError = true)]
    public static unsafe partial nint SendTo(SafeFd fd, byte* buffer, nuint length, int flags, SockaddrLl* address, int addressLength);

    [LibraryImport(LibName, EntryPoint = "bind", SetLastError = true)]
    public static unsafe partial int Bind(SafeFd fd, SockaddrLl* address, int addressLength);

    [StructLayout(LayoutKind.Sequential)]
    public unsafe struct SockaddrLl
    {
        public ushort Family;
        public ushort Protocol; // network byte order
        public int IfIndex;
        public ushort HaType;
        public byte PktType;
        public byte HaLen;
        public fixed byte Addr[8];
    }

    [LibraryImport(LibName, EntryPoint = "poll", SetLastError = true)]
    public static unsafe partial int Poll(PollFd* fds, nuint count, int timeoutMilliseconds);

    [LibraryImport(LibName, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);

    [LibraryImport(LibName, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(SafeFd fd, void* buffer, nuint length);

    [LibraryImport(LibName, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(SafeFd fd, void* buffer, nuint length);

    [LibraryImport(LibName, EntryPoint = "gettid")]
    public static partial int Gettid();

    /// <summary>Throws the errno of the last call as a <see cref="NetlinkException"/> when <paramref name="result"/> is negative.</summary>
    public static long Check(long result, string operation, string target)
    {
        if (result < 0)
        {
            throw new NetlinkException(operation, target, Marshal.GetLastPInvokeError());
        }

        return result;
    }
}
