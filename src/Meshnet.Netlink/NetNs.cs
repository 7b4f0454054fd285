using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Meshnet.Netlink;

/// <summary>
/// A network namespace, held open by a file descriptor. Named namespaces live at /var/run/netns/NAME, exactly where
/// iproute2 keeps them, so `ip netns` sees ours and we see its.
/// </summary>
public sealed class NetNs : IDisposable
{
    /// <summary>Where iproute2 bind-mounts named namespaces.</summary>
    public const string RunDirectory = "/var/run/netns";

    private readonly SafeFileHandle _handle;

    private NetNs(string path, SafeFileHandle handle)
    {
        Path = path;
        _handle = handle;
    }

    /// <summary>The file this namespace was opened from.</summary>
    public string Path { get; }

    /// <summary>The namespace fd (what IFLA_NET_NS_FD and setns take).</summary>
    public SafeHandle Handle => _handle;

    /// <summary>Opens "NAME" (=> /var/run/netns/NAME) or an absolute path such as /proc/PID/ns/net.</summary>
    public static NetNs Open(string nameOrPath)
    {
        var path = nameOrPath.StartsWith('/') ? nameOrPath : PathOf(nameOrPath);
        try
        {
            return new NetNs(path, File.OpenHandle(path, FileMode.Open, FileAccess.Read));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new NetlinkException("NetNsOpen", path, Interop.ENOENT);
        }
    }

    /// <summary>
    /// The process's own namespace. /proc/self resolves to the main thread, which this library never switches,
    /// so this is the namespace the process started in even when called from inside <see cref="Run"/>.
    /// </summary>
    public static NetNs OpenCurrent() => Open("/proc/self/ns/net");

    /// <summary>The namespace of the calling thread (differs from <see cref="OpenCurrent"/> inside <see cref="Run"/>).</summary>
    internal static NetNs OpenCurrentThread() => Open($"/proc/self/task/{Gettid()}/ns/net");

    /// <summary>
    /// = ip netns add NAME: a new, empty network namespace bind-mounted at /var/run/netns/NAME, returned open.
    /// Throws EEXIST when the name is taken.
    /// </summary>
    public static NetNs Create(string name)
    {
        ValidateName(name);
        NetNsMounts.EnsureSharedRunDirectory();
        var path = PathOf(name);
        try
        {
            // The mount point must be a file of its own; CreateNew fails on an existing name like iproute2 does.
            File.Open(path, FileMode.CreateNew, FileAccess.Write).Dispose();
        }
        catch (IOException) when (File.Exists(path))
        {
            throw new NetlinkException("NetNsCreate", name, Interop.EEXIST);
        }

        try
        {
            RunOnDedicatedThread(() =>
            {
                using var original = OpenCurrentThread();
                Interop.Check(Interop.Unshare(Interop.CLONE_NEWNET), "unshare", name);
                try
                {
                    var self = $"/proc/self/task/{Gettid()}/ns/net";
                    Interop.Check(Interop.Mount(self, path, "none", Interop.MS_BIND, 0), "mount", path);
                }
                finally
                {
                    // If this fails the thread simply ends: it is dedicated and never reused.
                    Interop.Check(Interop.SetNs(original.Handle, Interop.CLONE_NEWNET), "setns", original.Path);
                }

                return 0;
            });
        }
        catch
        {
            File.Delete(path);
            throw;
        }

        return Open(path);
    }

    /// <summary>= ip netns del NAME. A namespace that does not exist is not an error.</summary>
    public static void Delete(string name)
    {
        ValidateName(name);
        var path = PathOf(name);
        // EINVAL: not a mount point (half-created); ENOENT: already gone. Both leave only the file to remove.
        if (Interop.Umount2(path, Interop.MNT_DETACH) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            if (errno is not (Interop.EINVAL or Interop.ENOENT))
            {
                throw new NetlinkException("NetNsDelete", name, errno);
            }
        }

        File.Delete(path);
    }

    public static bool Exists(string name) => File.Exists(PathOf(name));

    /// <summary>
    /// Why <paramref name="path"/> is not a network namespace, or null when it is one: it must be absolute and name a
    /// namespace file (nsfs) whose type, asked of the kernel with the NS_GET_NSTYPE ioctl, is CLONE_NEWNET. A regular
    /// file, a directory, a missing path or another kind of namespace (/proc/PID/ns/mnt) is refused, so that nothing
    /// is registered or plumbed for a path that <c>setns</c> would later reject.
    /// </summary>
    public static string? WhyNotNetworkNamespace(string path)
    {
        if (!System.IO.Path.IsPathRooted(path))
        {
            return "is not an absolute path";
        }

        // O_NONBLOCK: a FIFO given as the path must not block the caller until someone writes to it.
        var fd = Interop.Open(path, Interop.O_RDONLY | Interop.O_NONBLOCK | Interop.O_CLOEXEC);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno == Interop.ENOENT ? "does not exist" : $"cannot be opened: {Marshal.GetPInvokeErrorMessage(errno)}";
        }

        using var handle = new SafeFd(fd);
        var type = Interop.Ioctl(handle, Interop.NS_GET_NSTYPE, 0);
        if (type < 0)
        {
            // ENOTTY: the file is not on nsfs at all.
            return "is not a namespace file";
        }

        return type == Interop.CLONE_NEWNET ? null : "is a namespace, but not a network namespace";
    }

    /// <summary>= ip netns list (names only, sorted).</summary>
    public static IReadOnlyList<string> List()
    {
        if (!Directory.Exists(RunDirectory))
        {
            return [];
        }

        var names = Directory.GetFiles(RunDirectory).Select(System.IO.Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public static string PathOf(string name) => $"{RunDirectory}/{name}";

    /// <summary>Runs <paramref name="action"/> on a new thread switched into this namespace, and waits for it.</summary>
    public T Run<T>(Func<T> action) => RunOnDedicatedThread(() =>
    {
        using var original = OpenCurrentThread();
        Interop.Check(Interop.SetNs(_handle, Interop.CLONE_NEWNET), "setns", Path);
        try
        {
            return action();
        }
        finally
        {
            // Switching back only matters for tidiness: the thread ends right after, and a thread that failed to
            // switch back is never reused (it is not a pool thread).
            Interop.SetNs(original.Handle, Interop.CLONE_NEWNET);
        }
    });

    /// <inheritdoc cref="Run{T}(Func{T})"/>
    public void Run(Action action) => Run(() =>
    {
        action();
        return 0;
    });

    public void Dispose() => _handle.Dispose();

    public override string ToString() => Path;

    /// <summary>
    /// setns affects only the calling OS thread, so namespace work runs on a fresh thread that is thrown away after:
    /// never a pool thread, which could carry the namespace into unrelated work.
    /// </summary>
    internal static T RunOnDedicatedThread<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        {
            IsBackground = true,
            Name = "meshnet-netns",
        };
        thread.Start();
        thread.Join();
        failure?.Throw();
        return result;
    }

    private static int Gettid() => Interop.Gettid();

    private static void ValidateName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Contains('/') || name is "." or "..")
        {
            throw new ArgumentException($"'{name}' is not a valid namespace name.", nameof(name));
        }
    }
}
