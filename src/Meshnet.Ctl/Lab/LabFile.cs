using Meshnet.Model;

namespace Meshnet.Ctl.Lab;

/// <summary>
/// Reads a lab file: whatever <c>kubectl apply -f</c> takes for a meshnet topology — Topologies, Pods,
/// StatefulSets, Deployments, Namespaces and Lists of them; other kinds are skipped and named. A lab is one store
/// namespace, so every object is placed in the lab's namespace. Objects without a namespace belong to the file's
/// namespace (as with <c>kubectl apply -n</c>); a file that names several namespaces is refused (uids are only
/// unique per namespace, merging them could pair the wrong ends).
/// </summary>
internal static class LabFile
{
    /// <summary>The Topologies of the lab (one per pod), validated.</summary>
    /// <exception cref="LabFileException">The file cannot be read, parsed or validated; the message lists every problem.</exception>
    public static IReadOnlyList<Topology> Load(string path, string lab) => Read(path, lab).Topologies;

    /// <exception cref="LabFileException">The file cannot be read, parsed or validated; the message lists every problem.</exception>
    public static LabDefinition Read(string path, string lab)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new LabFileException($"{path}: {e.Message}");
        }

        Manifest manifest;
        try
        {
            manifest = ManifestParser.ParseYaml(text, lab, path);
        }
        catch (TopologyParseException e)
        {
            throw new LabFileException(e.Message);
        }

        if (manifest.Topologies.Count == 0 && manifest.Pods.Count == 0)
        {
            throw new LabFileException($"{path}: no Topology, Pod, StatefulSet or Deployment objects found");
        }

        var named = manifest.Topologies.Select(t => t.Namespace).Concat(manifest.Pods.Select(p => p.Namespace))
            .Where(n => n != lab).Distinct(StringComparer.Ordinal).ToList();
        if (named.Count > 1)
        {
            throw new LabFileException($"{path}: objects span namespaces {string.Join(", ", named)}; a lab is one namespace");
        }

        var pods = manifest.Pods.Select(p => p with { Namespace = lab }).ToList();
        var topologies = manifest.Topologies.Select(t => t with { Namespace = lab }).ToList();
        var errors = TopologyValidator.Validate(topologies).Errors.Concat(WorkloadRules.Validate(pods).Errors).ToList();
        if (errors.Count > 0)
        {
            throw new LabFileException($"{path}: invalid topology:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors));
        }

        // A Pod declares a lab pod even when no Topology names it (it runs with no links, as on a cluster); its
        // labels (e.g. the node it is pinned to) apply to its Topology unless the Topology sets them itself.
        var byName = pods.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var all = topologies
            .Select(t => byName.TryGetValue(t.Name, out var pod) ? t with { Labels = Merge(pod.Labels, t.Labels) } : t)
            .Concat(pods.Where(p => topologies.All(t => t.Name != p.Name))
                .Select(p => new Topology { Namespace = lab, Name = p.Name, Labels = p.Labels }))
            .ToList();
        return new LabDefinition(all, byName, manifest.Skipped);
    }

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string> under, IReadOnlyDictionary<string, string> over)
    {
        var merged = new Dictionary<string, string>(under, StringComparer.Ordinal);
        foreach (var (k, v) in over)
        {
            merged[k] = v;
        }

        return merged;
    }
}

/// <summary>A validated lab file.</summary>
/// <param name="Topologies">One per lab pod (a Pod without a Topology has one without links).</param>
/// <param name="Pods">The pods the file declares with containers, by name.</param>
/// <param name="Skipped">Objects of kinds a lab does not run.</param>
internal sealed record LabDefinition(
    IReadOnlyList<Topology> Topologies,
    IReadOnlyDictionary<string, PodDeclaration> Pods,
    IReadOnlyList<SkippedObject> Skipped)
{
    /// <summary>One line per skipped object, for the user.</summary>
    public IEnumerable<string> SkippedLines(string lab) =>
        Skipped.Select(s => $"lab {lab}: skipping {s} (document {s.Document}): a lab has no use for a {s.Kind}");
}

internal sealed class LabFileException(string message) : Exception(message);
