using System.Globalization;
using System.Text;
using System.Text.Json;
using Meshnet.Model;

namespace Meshnet.Store.Kubernetes;

/// <summary>
/// Topology objects as the API server sends and takes them. The objects themselves are read and written with the
/// model's source-generated <see cref="TopologyJson"/> (the CRD's exact field names); this adds the envelopes around
/// them: lists, watch events and the JSON patches for spec and status.
/// </summary>
internal static class TopologyWire
{
    /// <summary>A Topology from an API object, with the object's uid (for Events' involvedObject).</summary>
    public static (Topology Topology, string? Uid) Parse(JsonElement obj)
    {
        var topology = TopologyJson.Deserialize(obj.GetRawText(), defaultNamespace: "");
        var uid = obj.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("uid", out var u) ? u.GetString() : null;
        return (topology, uid);
    }

    public static (Topology Topology, string? Uid) Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Parse(doc.RootElement);
    }

    /// <summary>metadata.resourceVersion of a list, a bookmark or an object, as the store's numeric revision.</summary>
    public static long ResourceVersionOf(JsonElement obj) =>
        obj.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("resourceVersion", out var rv) && rv.GetString() is { Length: > 0 } text
            ? ParseRevision(text)
            : 0;

    public static long ParseRevision(string resourceVersion) =>
        long.TryParse(resourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
            ? revision
            : throw new StoreException($"resourceVersion \"{resourceVersion}\" is not numeric; this store needs an etcd-backed API server");

    /// <summary>The body of a create: spec and labels only (status is written through the status subresource).</summary>
    public static string CreateBody(Topology topology) =>
        TopologyJson.Serialize(topology with { Status = new TopologyStatus(), ResourceVersion = null, Generation = 0 });

    /// <summary>
    /// JSON patch replacing spec and labels as a whole and leaving the rest of the object (annotations, finalizers,
    /// owner references others set) alone. The resourceVersion in it makes the server check it: 409 when stale.
    /// </summary>
    public static string SpecPatch(Topology topology, string resourceVersion) => Patch(w =>
    {
        ResourceVersionOp(w, resourceVersion);
        Op(w, "add", "/spec", TopologyJson.SerializeSpec(topology.Spec));
        Op(w, "add", "/metadata/labels", TopologyJson.SerializeLabels(topology.Labels));
    });

    /// <summary>JSON patch for the status subresource replacing the whole status (so cleared fields are cleared).</summary>
    public static string StatusPatch(TopologyStatus status, string? resourceVersion) => Patch(w =>
    {
        if (resourceVersion is not null)
        {
            ResourceVersionOp(w, resourceVersion);
        }

        Op(w, "add", "/status", TopologyJson.SerializeStatus(status));
    });

    /// <summary>True when applying <paramref name="desired"/> over <paramref name="current"/> would change nothing.</summary>
    public static bool SameSpecAndLabels(Topology current, Topology desired) =>
        TopologyJson.SerializeSpec(current.Spec) == TopologyJson.SerializeSpec(desired.Spec)
        && TopologyJson.SerializeLabels(current.Labels) == TopologyJson.SerializeLabels(desired.Labels);

    private static void ResourceVersionOp(Utf8JsonWriter w, string resourceVersion) =>
        Op(w, "replace", "/metadata/resourceVersion", JsonSerializer.Serialize(resourceVersion, WireJsonContext.Default.String));

    private static void Op(Utf8JsonWriter w, string op, string path, string rawValue)
    {
        w.WriteStartObject();
        w.WriteString("op", op);
        w.WriteString("path", path);
        w.WritePropertyName("value");
        w.WriteRawValue(rawValue);
        w.WriteEndObject();
    }

    private static string Patch(Action<Utf8JsonWriter> ops)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartArray();
            ops(w);
            w.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
