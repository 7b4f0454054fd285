namespace Meshnet.Model;

/// <summary>
/// Reads and writes Topology manifests in the YAML that <c>kubectl apply -f</c> takes for our CRD: one or more
/// documents separated by <c>---</c>, each a <c>Topology</c> or a <c>List</c> of them; empty documents and comments
/// are fine. Parsing stops at the first problem with a <see cref="TopologyParseException"/>; whether the parsed
/// objects make a consistent topology is <see cref="TopologyValidator"/>'s job.
/// </summary>
public static class TopologyParser
{
    public const string ApiVersion = "networkop.co.uk/v1beta1";
    public const string Kind = "Topology";

    private const string AnonymousSource = "<input>";

    /// <summary>Every Topology in <paramref name="text"/>, in document order.</summary>
    /// <param name="text">The manifest.</param>
    /// <param name="defaultNamespace">Namespace for objects whose metadata has none (as <c>kubectl -n</c>).</param>
    /// <param name="sourceName">File name used in error messages.</param>
    /// <exception cref="TopologyParseException">Malformed YAML, another kind, an unknown or mistyped field.</exception>
    public static IReadOnlyList<Topology> ParseYaml(string text, string defaultNamespace, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentException.ThrowIfNullOrEmpty(defaultNamespace);
        return new YamlTopologyReader(sourceName ?? AnonymousSource, defaultNamespace).Read(text);
    }

    /// <summary>The objects as a multi-document YAML stream (status included when set) that parses back equal.</summary>
    public static string ToYaml(IEnumerable<Topology> topologies)
    {
        ArgumentNullException.ThrowIfNull(topologies);
        return YamlTopologyWriter.Write(topologies);
    }

    public static string ToYaml(Topology topology) => ToYaml([topology]);
}
