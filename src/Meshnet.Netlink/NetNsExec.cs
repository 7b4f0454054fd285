using System.Runtime.InteropServices;

namespace Meshnet.Netlink;

/// <summary>
/// = ip netns exec NAME CMD...: replaces this process with <c>CMD</c> running in the named network namespace, in a
/// mount namespace of its own where /sys shows that network namespace's devices and each file in
/// /etc/netns/NAME/ is bind-mounted over its namesake in /etc. Because the process itself becomes the command, its
/// exit code, stdin/stdout/stderr, terminal and signals are the command's, exactly as with iproute2.
/// </summary>
public static class NetNsExec
{
    /// <summary>Where iproute2 keeps per-namespace configuration files (resolv.conf, hosts...).</summary>
    public const string EtcDirectory = "/etc/netns";

    /// <summary>
    /// Never returns when the command starts. Throws <see cref="NetlinkException"/> when the namespace cannot be
    /// entered or the command cannot be executed (errno ENOENT: not found, EACCES: not executable).
    /// </summary>
    public static void Exec(string name, IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0)
        {
            throw new ArgumentException("no command", nameof(argv));
        }

        using var ns = NetNs.Open(name);
        var sysReadOnly = IsReadOnlyMount("/sys");
        // unshare and setns change only the calling thread; execve from that thread carries both into the command
        // (every other thread of the runtime ends at execve).
        NetNs.RunOnDedicatedThread<int>(() =>
        {
            Interop.Check(Interop.Unshare(Interop.CLONE_NEWNS), "unshare(CLONE_NEWNS)", name);
            // Our mounts must not propagate back to the host's mount namespace.
            Interop.Check(Interop.Mount("", "/", "none", Interop.MS_SLAVE | Interop.MS_REC, 0), "mount --make-rslave", "/");
            Interop.Check(Interop.SetNs(ns.Handle, Interop.CLONE_NEWNET), "setns", ns.Path);
            // A sysfs mounted now belongs to the namespace we are in; the host's is detached (it may be absent).
            _ = Interop.Umount2("/sys", Interop.MNT_DETACH);
            Interop.Check(Interop.Mount(name, "/sys", "sysfs", sysReadOnly ? Interop.MS_RDONLY : 0, 0), "mount sysfs", "/sys");
            BindEtc(name);
            return ExecOnThisThread(argv);
        });
    }

    /// <summary>= exec CMD...: replaces this process with the command, in this process's namespaces.</summary>
    public static void Replace(IReadOnlyList<string> argv)
    {
        ArgumentNullException.ThrowIfNull(argv);
        if (argv.Count == 0)
        {
            throw new ArgumentException("no command", nameof(argv));
        }

        NetNs.RunOnDedicatedThread(() => ExecOnThisThread(argv));
    }

    private static int ExecOnThisThread(IReadOnlyList<string> argv)
    {
        ResetSignals();
        var args = argv.Cast<string?>().Append(null).ToArray();
        Interop.Execvp(argv[0], args);
        throw new NetlinkException("exec", argv[0], Marshal.GetLastPInvokeError());
    }

    /// <summary>iproute2's bind_etc: every entry of /etc/netns/NAME over /etc/ENTRY; one that fails is reported and skipped.</summary>
    private static void BindEtc(string name)
    {
        var dir = Path.Combine(EtcDirectory, name);
        if (!Directory.Exists(dir))
        {
            return;
        }

        foreach (var source in Directory.EnumerateFileSystemEntries(dir))
        {
            var target = Path.Combine("/etc", Path.GetFileName(source));
            if (Interop.Mount(source, target, "none", Interop.MS_BIND, 0) != 0)
            {
                Console.Error.WriteLine($"Bind {source} -> {target} failed: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}");
            }
        }
    }

    /// <summary>
    /// Blocked and ignored signals survive execve. The runtime ignores SIGPIPE (so a write to a closed pipe throws
    /// instead of killing it); the command must get the default back, or <c>yes | head</c> would never end.
    /// </summary>
    private static unsafe void ResetSignals()
    {
        _ = Interop.Signal(Interop.SIGPIPE, 0);
        var empty = stackalloc byte[128];
        new Span<byte>(empty, 128).Clear();
        _ = Interop.PthreadSigmask(Interop.SIG_SETMASK, empty, null);
    }

    private static bool IsReadOnlyMount(string mountPoint)
    {
        // /proc/self/mounts: "sysfs /sys sysfs rw,nosuid,... 0 0"; the last mount on a point is the visible one.
        var options = File.ReadLines("/proc/self/mounts").Select(l => l.Split(' ')).Where(f => f.Length > 3 && f[1] == mountPoint).Select(f => f[3]).LastOrDefault();
        return options?.Split(',').Contains("ro") == true;
    }
}
