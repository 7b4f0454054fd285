namespace Meshnet.Protocol;

/// <summary>
/// The daemon's list of pods that have a Topology, one <c>namespace/name</c> per line, kept at
/// <c>&lt;stateDir&gt;/topologies.idx</c>. The plugin reads it only when the daemon cannot be reached, to decide
/// between "retry later" (the pod needs links) and "pass through" (it never will, as far as we know).
/// </summary>
public static class TopologyIndexFile
{
    /// <summary>The file's name inside the state directory.</summary>
    public const string FileName = "topologies.idx";

    /// <summary>Replaces the index atomically with the given pods (sorted, de-duplicated).</summary>
    public static void Write(string path, IEnumerable<(string Namespace, string Name)> pods)
    {
        var lines = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (ns, name) in pods)
        {
            lines.Add(Key(ns, name));
        }
        string content = lines.Count == 0 ? string.Empty : string.Join('\n', lines) + "\n";
        AtomicFile.WriteAllText(path, content);
    }

    /// <summary>
    /// Whether the index lists the pod. Throws <see cref="FileNotFoundException"/> or
    /// <see cref="DirectoryNotFoundException"/> when there is no index at all: the caller decides what an
    /// unknown answer means.
    /// </summary>
    public static bool Contains(string path, string podNamespace, string podName)
    {
        string wanted = Key(podNamespace, podName);
        foreach (string line in File.ReadLines(path))
        {
            if (line.AsSpan().Trim().SequenceEqual(wanted))
            {
                return true;
            }
        }
        return false;
    }

    private static string Key(string podNamespace, string podName)
    {
        // Kubernetes names cannot contain '/' or line breaks; refuse them rather than write an ambiguous line.
        if (podNamespace.Length == 0 || podName.Length == 0
            || podNamespace.AsSpan().IndexOfAny("/\n\r") >= 0 || podName.AsSpan().IndexOfAny("/\n\r") >= 0)
        {
            throw new ArgumentException($"invalid pod key '{podNamespace}/{podName}'");
        }
        return podNamespace + "/" + podName;
    }
}
