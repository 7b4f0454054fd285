using System.Globalization;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Meshnet.Store.Kubernetes.Tests.Fixture;

/// <summary>
/// What the API server answers a client that asks for a Table (<c>kubectl get</c>): a Name column, then the CRD's
/// additionalPrinterColumns evaluated on each object the way apiextensions' table convertor does it — a simple
/// JSONPath of which only the first result is shown, dates shown as ages.
/// </summary>
internal sealed class TableConvertor(IReadOnlyList<V1CustomResourceColumnDefinition> columns)
{
    /// <summary>
    /// The columns of the CRD file <paramref name="name"/> in deploy/kustomize/base (found above the running binary),
    /// or null when the repository is not there.
    /// </summary>
    public static TableConvertor? FromDeployedCrd(string name)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "deploy", "kustomize", "base", name);
            if (File.Exists(file))
            {
                var crd = KubernetesYaml.Deserialize<V1CustomResourceDefinition>(File.ReadAllText(file));
                return new TableConvertor([.. crd.Spec.Versions.Single().AdditionalPrinterColumns ?? []]);
            }
        }

        return null;
    }

    /// <summary>kubectl asks with <c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io, …</c>.</summary>
    public static bool IsWanted(string? accept) => accept?.Contains("as=Table", StringComparison.Ordinal) == true;

    public JsonObject Convert(IEnumerable<JsonObject> objects, long revision, DateTimeOffset now)
    {
        var definitions = new JsonArray(Column("Name", "string", "name", 0, "Name must be unique within a namespace."));
        foreach (var c in columns)
        {
            definitions.Add(Column(c.Name, c.Type, c.Format ?? "", c.Priority ?? 0, c.Description ?? ""));
        }

        var rows = new JsonArray();
        foreach (var obj in objects)
        {
            var cells = new JsonArray((JsonNode?)(string?)obj["metadata"]?["name"]);
            foreach (var c in columns)
            {
                cells.Add(Cell(c.Type, First(obj, c.JsonPath), now));
            }

            rows.Add(new JsonObject
            {
                ["cells"] = cells,
                ["object"] = new JsonObject
                {
                    ["kind"] = "PartialObjectMetadata",
                    ["apiVersion"] = "meta.k8s.io/v1",
                    ["metadata"] = obj["metadata"]?.DeepClone(),
                },
            });
        }

        return new JsonObject
        {
            ["kind"] = "Table",
            ["apiVersion"] = "meta.k8s.io/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) },
            ["columnDefinitions"] = definitions,
            ["rows"] = rows,
        };
    }

    private static JsonObject Column(string name, string type, string format, int priority, string description) => new()
    {
        ["name"] = name, ["type"] = type, ["format"] = format, ["priority"] = priority, ["description"] = description,
    };

    /// <summary>The first value <paramref name="path"/> (e.g. <c>.spec.links[*].uid</c>) finds, or null.</summary>
    private static JsonNode? First(JsonNode root, string path)
    {
        IEnumerable<JsonNode?> current = [root];
        foreach (var segment in path.TrimStart('.').Split('.'))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var field = bracket < 0 ? segment : segment[..bracket];
            current = current.Select(n => n is JsonObject o && field.Length > 0 ? o[field] : n);
            if (bracket >= 0)
            {
                var index = segment[(bracket + 1)..^1];
                current = current.SelectMany(n => n is JsonArray a
                    ? index == "*" ? [.. a] : int.TryParse(index, CultureInfo.InvariantCulture, out var i) && i < a.Count ? [a[i]] : []
                    : Array.Empty<JsonNode?>());
            }
        }

        return current.FirstOrDefault(n => n is not null);
    }

    private static JsonNode? Cell(string type, JsonNode? value, DateTimeOffset now) => value switch
    {
        null => null,
        JsonValue v when type == "date" && DateTimeOffset.TryParse((string?)v, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) => Age(now - t),
        JsonValue v when type == "string" => v.ToJsonString().Trim('"'),
        _ => value.DeepClone(),
    };

    private static string Age(TimeSpan d) => d.TotalSeconds < 120 ? $"{Math.Max(0, (int)d.TotalSeconds)}s" : d.TotalMinutes < 120 ? $"{(int)d.TotalMinutes}m" : $"{(int)d.TotalHours}h";
}
