using System.Text.Json.Serialization;

namespace Meshnet.Model;

/// <summary>
/// Source-generated (AOT-safe) JSON for Topologies. Spec and status use the CRD's snake_case names; the envelope
/// uses Kubernetes' own camelCase (<c>apiVersion</c>, <c>metadata.resourceVersion</c>).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(TopologyObject))]
[JsonSerializable(typeof(TopologyListObject))]
[JsonSerializable(typeof(TopologySpec))]
[JsonSerializable(typeof(TopologyStatus))]
[JsonSerializable(typeof(SortedDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class TopologyJsonContext : JsonSerializerContext;

/// <summary>A Topology as the API server shows it.</summary>
internal sealed class TopologyObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = TopologyParser.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = TopologyParser.Kind;

    [JsonPropertyName("metadata")]
    public ObjectMetadata Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TopologySpec? Spec { get; set; }

    [JsonPropertyName("status")]
    public TopologyStatus? Status { get; set; }
}

internal sealed class ObjectMetadata
{
    [JsonPropertyName("name")]
    public string? Name { get; set; }

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("labels")]
    public SortedDictionary<string, string>? Labels { get; set; }

    [JsonPropertyName("resourceVersion")]
    public string? ResourceVersion { get; set; }

    [JsonPropertyName("generation")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Generation { get; set; }
}

internal sealed class TopologyListObject
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "List";

    [JsonPropertyName("items")]
    public List<TopologyObject> Items { get; set; } = [];
}
