using System.Text.Json;

namespace Meshnet.Protocol;

/// <summary>
/// The spool directory <c>&lt;stateDir&gt;/pending/</c>: one <c>&lt;containerId&gt;.json</c> per
/// <see cref="PendingPod"/>. The plugin writes and removes entries; the daemon reads them on start and whenever
/// a Topology appears.
/// </summary>
public sealed class PendingPodSpool
{
    /// <summary>The spool's folder name inside the state directory.</summary>
    public const string DirectoryName = "pending";

    private const string Extension = ".json";

    /// <summary>The folder of DELs that found the daemon down (<see cref="ForDeletions"/>).</summary>
    public const string DeletionsDirectoryName = "pending-del";

    /// <param name="stateDir">The meshnet state directory (default <c>/run/meshnet</c>).</param>
    public PendingPodSpool(string stateDir)
        : this(stateDir, DirectoryName)
    {
    }

    private PendingPodSpool(string stateDir, string directoryName) => Directory = Path.Combine(stateDir, directoryName);

    /// <summary>
    /// DELs the plugin answered with success while the daemon was unreachable, one per container: the daemon
    /// completes each when it starts (releases the pod if it still runs that container) and removes the entry.
    /// </summary>
    public static PendingPodSpool ForDeletions(string stateDir) => new(stateDir, DeletionsDirectoryName);

    /// <summary>The spool folder.</summary>
    public string Directory { get; }

    /// <summary>Where the entry for <paramref name="containerId"/> lives.</summary>
    public string PathFor(string containerId)
    {
        // Container ids are [A-Za-z0-9][A-Za-z0-9_.-]* by the CNI spec; anything else must not become a path.
        if (containerId.Length == 0 || containerId[0] == '.'
            || containerId.AsSpan().IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
        {
            throw new ArgumentException($"invalid container id '{containerId}'", nameof(containerId));
        }
        return Path.Combine(Directory, containerId + Extension);
    }

    /// <summary>Records the pod (atomically; an existing entry for the same container is replaced).</summary>
    public void Write(PendingPod pod)
    {
        string path = PathFor(pod.ContainerId);
        System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(pod, PendingPodJsonContext.Default.PendingPod));
    }

    /// <summary>Forgets the container's entry; returns whether there was one.</summary>
    public bool Remove(string containerId)
    {
        string path = PathFor(containerId);
        if (!File.Exists(path))
        {
            return false;
        }
        File.Delete(path);
        return true;
    }

    /// <summary>Reads one entry, or null when it does not exist.</summary>
    public PendingPod? Read(string containerId)
    {
        try
        {
            return Parse(File.ReadAllBytes(PathFor(containerId)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <summary>
    /// Every readable entry. Unreadable or corrupt files are skipped, not fatal: one bad file must not stop the
    /// daemon from adopting the others.
    /// </summary>
    public IReadOnlyList<PendingPod> ReadAll()
    {
        var pods = new List<PendingPod>();
        if (!System.IO.Directory.Exists(Directory))
        {
            return pods;
        }
        foreach (string path in System.IO.Directory.EnumerateFiles(Directory, "*" + Extension))
        {
            if (Path.GetFileName(path).StartsWith('.'))
            {
                continue; // an AtomicFile temporary
            }
            try
            {
                if (Parse(File.ReadAllBytes(path)) is { } pod)
                {
                    pods.Add(pod);
                }
            }
            catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
            {
                // skipped, see above
            }
        }
        return pods;
    }

    private static PendingPod? Parse(byte[] json)
    {
        var pod = JsonSerializer.Deserialize(json, PendingPodJsonContext.Default.PendingPod);
        return pod is { Namespace: not null, Name: not null, ContainerId: not null } ? pod : null;
    }
}
