using System.Runtime.InteropServices;

namespace Meshnet.Netlink;

/// <summary>
/// Makes /var/run/netns a shared mount, as iproute2 does, so that a namespace bind-mounted there is visible in (and
/// removable from) every mount namespace that shares it, e.g. containers that mount /var/run/netns.
/// </summary>
internal static class NetNsMounts
{
    private static readonly Lock Gate = new();

    public static void EnsureSharedRunDirectory()
    {
        lock (Gate)
        {
            Directory.CreateDirectory(NetNs.RunDirectory);
            if (Interop.Mount("none", NetNs.RunDirectory, null, Interop.MS_SHARED | Interop.MS_REC, 0) == 0)
            {
                return;
            }

            // EINVAL: not a mount point yet. Bind it onto itself, then make that mount shared.
            var errno = Marshal.GetLastPInvokeError();
            if (errno != Interop.EINVAL)
            {
                throw new NetlinkException("mount --make-rshared", NetNs.RunDirectory, errno);
            }

            Interop.Check(
                Interop.Mount(NetNs.RunDirectory, NetNs.RunDirectory, "none", Interop.MS_BIND | Interop.MS_REC, 0),
                "mount --bind",
                NetNs.RunDirectory);
            Interop.Check(
                Interop.Mount("none", NetNs.RunDirectory, null, Interop.MS_SHARED | Interop.MS_REC, 0),
                "mount --make-rshared",
                NetNs.RunDirectory);
        }
    }
}
