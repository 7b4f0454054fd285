using System.Runtime.InteropServices;
using System.Runtime.Versioning;

namespace Meshnet.Wire;

/// <summary>Every libc call the wire data path makes, in one place. Constants are the kernel's own names.</summary>
[SupportedOSPlatform("linux")]
internal static partial class Interop
{
    private const string LibName = "libc";

    public const int O_RDWR = 0x2;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;

    public const nuint TUNSETIFF = 0x400454ca;
    public const nuint TUNSETOFFLOAD = 0x400454d0;
    public const nuint TUNSETVNETHDRSZ = 0x400454d8;
    public const nuint TUNSETCARRIER = 0x400454e2;

    public const short IFF_TAP = 0x0002;
    public const short IFF_NO_PI = 0x1000;
    public const short IFF_VNET_HDR = 0x4000;
    public const int IFNAMSIZ = 16;

    public const int EPOLL_CLOEXEC = 0x80000;
    public const int EPOLL_CTL_ADD = 1;
    public const int EPOLL_CTL_DEL = 2;
    public const uint EPOLLIN = 0x001;
    public const int EFD_CLOEXEC = 0x80000;
    public const int EFD_NONBLOCK = 0x800;

    public const int EINTR = 4;
    public const int EAGAIN = 11;
    public const int EBADF = 9;
    public const int ENOENT = 2;

    [StructLayout(LayoutKind.Sequential, Size = 40)]
    public unsafe struct IfReqFlags
    {
        public fixed byte Name[IFNAMSIZ];
        public short Flags;
    }

    /// <summary>struct epoll_event, which the kernel packs on x86-64 (12 bytes).</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [LibraryImport(LibName, EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Open(string path, int flags);

    [LibraryImport(LibName, EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    [LibraryImport(LibName, EntryPoint = "ioctl", SetLastError = true)]
    public static unsafe partial int Ioctl(SafeHandle fd, nuint request, void* argument);

    [LibraryImport(LibName, EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(SafeHandle fd, nuint request, nint argument);

    [LibraryImport(LibName, EntryPoint = "read", SetLastError = true)]
    public static unsafe partial nint Read(SafeHandle fd, byte* buffer, nuint length);

    [LibraryImport(LibName, EntryPoint = "write", SetLastError = true)]
    public static unsafe partial nint Write(SafeHandle fd, byte* buffer, nuint length);

    [LibraryImport(LibName, EntryPoint = "if_nametoindex", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint IfNameToIndex(string name);

    [LibraryImport(LibName, EntryPoint = "epoll_create1", SetLastError = true)]
    public static partial int EpollCreate1(int flags);

    [LibraryImport(LibName, EntryPoint = "epoll_ctl", SetLastError = true)]
    public static unsafe partial int EpollCtl(SafeHandle epoll, int op, SafeHandle fd, EpollEvent* ev);

    [LibraryImport(LibName, EntryPoint = "epoll_wait", SetLastError = true)]
    public static unsafe partial int EpollWait(SafeHandle epoll, EpollEvent* events, int maxEvents, int timeoutMilliseconds);

    [LibraryImport(LibName, EntryPoint = "eventfd", SetLastError = true)]
    public static partial int EventFd(uint initialValue, int flags);
}

/// <summary>A file descriptor the wire owns (TAP queues, epoll, eventfd); closed exactly once by the runtime.</summary>
internal sealed class WireFd : SafeHandle
{
    public WireFd(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}

/// <summary>A failed system call on a wire: the call, what it was for, and the kernel's errno.</summary>
public sealed class WireSysException(string operation, string target, int errno)
    : IOException($"{operation} {target}: {Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})")
{
    public int Errno { get; } = errno;
}
