using System.Text.Json;

namespace Meshnet.Model;

/// <summary>
/// JSON for Topologies in the CRD's shape (what <c>kubectl get topo -o json</c> shows), plus the spec, status and
/// labels on their own for stores that keep them in separate columns. Output is canonical (labels sorted, nulls
/// omitted), so equal values serialize to equal strings and a store can compare specs as text.
/// </summary>
public static class TopologyJson
{
    private static readonly TopologyJsonContext Indented =
        new(new JsonSerializerOptions(TopologyJsonContext.Default.Options) { WriteIndented = true });

    public static string Serialize(Topology topology, bool indented = false) =>
        JsonSerializer.Serialize(ToObject(topology), Context(indented).TopologyObject);

    /// <summary>A <c>kind: List</c> of the objects, for <c>--json</c> output.</summary>
    public static string SerializeList(IEnumerable<Topology> topologies, bool indented = false) =>
        JsonSerializer.Serialize(
            new TopologyListObject { Items = topologies.Select(ToObject).ToList() }, Context(indented).TopologyListObject);

    /// <exception cref="JsonException">Not a Topology object.</exception>
    public static Topology Deserialize(string json, string defaultNamespace)
    {
        var obj = JsonSerializer.Deserialize(json, TopologyJsonContext.Default.TopologyObject)
            ?? throw new JsonException("expected a Topology object, got null");
        if (obj.Kind != TopologyParser.Kind || obj.ApiVersion != TopologyParser.ApiVersion)
        {
            throw new JsonException($"expected {TopologyParser.ApiVersion} {TopologyParser.Kind}, got {obj.ApiVersion} {obj.Kind}");
        }

        var meta = obj.Metadata;
        return new Topology
        {
            Namespace = string.IsNullOrEmpty(meta.Namespace) ? defaultNamespace : meta.Namespace,
            Name = string.IsNullOrEmpty(meta.Name) ? throw new JsonException("metadata.name is required") : meta.Name,
            Labels = meta.Labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(meta.Labels),
            ResourceVersion = meta.ResourceVersion,
            Generation = meta.Generation,
            Spec = Normalize(obj.Spec),
            Status = Normalize(obj.Status),
        };
    }

    public static string SerializeSpec(TopologySpec spec) =>
        JsonSerializer.Serialize(spec, TopologyJsonContext.Default.TopologySpec);

    public static TopologySpec DeserializeSpec(string json) =>
        Normalize(JsonSerializer.Deserialize(json, TopologyJsonContext.Default.TopologySpec));

    public static string SerializeStatus(TopologyStatus status) =>
        JsonSerializer.Serialize(status, TopologyJsonContext.Default.TopologyStatus);

    public static TopologyStatus DeserializeStatus(string json) =>
        Normalize(JsonSerializer.Deserialize(json, TopologyJsonContext.Default.TopologyStatus));

    // An absent or null list (KNE sends "links": null, an API server drops it, the Go meshnet writes no "links" in
    // status) must read as empty: the serializer leaves init-only lists null when the field is missing.
    private static TopologySpec Normalize(TopologySpec? spec) =>
        spec is null ? new TopologySpec() : spec with { Links = spec.Links ?? [] };

    private static TopologyStatus Normalize(TopologyStatus? status) =>
        status is null ? new TopologyStatus() : status with { Links = status.Links ?? [], Skipped = status.Skipped ?? [] };

    /// <summary>Labels as a JSON object with keys in ordinal order.</summary>
    public static string SerializeLabels(IReadOnlyDictionary<string, string> labels) =>
        JsonSerializer.Serialize(Sorted(labels), TopologyJsonContext.Default.SortedDictionaryStringString);

    public static IReadOnlyDictionary<string, string> DeserializeLabels(string json) =>
        JsonSerializer.Deserialize(json, TopologyJsonContext.Default.DictionaryStringString) ?? [];

    private static TopologyJsonContext Context(bool indented) => indented ? Indented : TopologyJsonContext.Default;

    private static TopologyObject ToObject(Topology t) => new()
    {
        Metadata = new ObjectMetadata
        {
            Name = t.Name,
            Namespace = t.Namespace,
            Labels = t.Labels.Count == 0 ? null : Sorted(t.Labels),
            ResourceVersion = t.ResourceVersion,
            Generation = t.Generation,
        },
        Spec = t.Spec,
        Status = t.Status == new TopologyStatus() ? null : t.Status,
    };

    private static SortedDictionary<string, string> Sorted(IReadOnlyDictionary<string, string> labels) =>
        new(labels.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal), StringComparer.Ordinal);
}
