namespace Meshnet.Model;

/// <summary>
/// Reads a whole file as <c>kubectl apply -f</c> takes it — Topologies beside Pods, StatefulSets, Deployments,
/// Namespaces and kinds a lab skips — for <c>meshnetctl lab</c>. <see cref="TopologyParser"/> stays the strict
/// reader for places that store only Topologies.
/// </summary>
public static class ManifestParser
{
    /// <inheritdoc cref="TopologyParser.ParseYaml"/>
    public static Manifest ParseYaml(string text, string defaultNamespace, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(defaultNamespace);
        return new YamlTopologyReader(sourceName ?? "<input>", defaultNamespace, workloads: true).ReadManifest(text);
    }
}
