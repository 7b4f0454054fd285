using System.Runtime.InteropServices;

namespace Meshnet.Netlink;

/// <summary>A file descriptor we own (sockets, eventfds); closed exactly once by the runtime.</summary>
internal sealed class SafeFd : SafeHandle
{
    public SafeFd()
        : base(invalidHandleValue: -1, ownsHandle: true)
    {
    }

    public SafeFd(int fd)
        : this() => SetHandle(fd);

    public override bool IsInvalid => handle == -1;

    /// <summary>The raw descriptor number, for use inside a single syscall while this handle is kept alive.</summary>
    public int Value => (int)handle;

    protected override bool ReleaseHandle() => Interop.Close((int)handle) == 0;
}
