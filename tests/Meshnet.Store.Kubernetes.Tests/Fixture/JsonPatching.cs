using System.Globalization;
using System.Text.Json.Nodes;

namespace Meshnet.Store.Kubernetes.Tests.Fixture;

/// <summary>The two patch formats the fixture accepts: JSON patch (RFC 6902) and JSON merge patch (RFC 7386).</summary>
internal static class JsonPatching
{
    public sealed class PatchException(string message) : Exception(message);

    /// <summary>Applies a JSON patch to <paramref name="target"/> in place (add, remove, replace, test).</summary>
    public static void ApplyJsonPatch(JsonObject target, JsonArray operations)
    {
        foreach (var node in operations)
        {
            var op = node!.AsObject();
            var kind = (string?)op["op"] ?? throw new PatchException("op missing");
            var path = (string?)op["path"] ?? throw new PatchException("path missing");
            var (parent, last) = Resolve(target, path);
            var value = op["value"]?.DeepClone();
            switch (kind)
            {
                case "add":
                    Set(parent, last, value, insert: true);
                    break;
                case "replace":
                    _ = Get(parent, last) ?? throw new PatchException($"replace: {path} does not exist");
                    Set(parent, last, value, insert: false);
                    break;
                case "remove":
                    _ = Get(parent, last) ?? throw new PatchException($"remove: {path} does not exist");
                    Remove(parent, last);
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Get(parent, last), value))
                    {
                        throw new PatchException($"test: {path} differs");
                    }

                    break;
                default:
                    throw new PatchException($"op {kind} is not supported by the fixture");
            }
        }
    }

    /// <summary>RFC 7386: objects merge recursively, null removes, anything else replaces.</summary>
    public static JsonNode? ApplyMergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? [];
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = ApplyMergePatch(result[name]?.DeepClone(), value);
                result[name] = merged;
            }
        }

        return result;
    }

    private static (JsonNode Parent, string Last) Resolve(JsonObject root, string path)
    {
        if (!path.StartsWith('/'))
        {
            throw new PatchException($"path {path} must start with /");
        }

        var tokens = path[1..].Split('/').Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
        JsonNode node = root;
        foreach (var token in tokens[..^1])
        {
            node = Get(node, token) ?? throw new PatchException($"path {path}: {token} does not exist");
        }

        return (node, tokens[^1]);
    }

    private static JsonNode? Get(JsonNode parent, string token) => parent switch
    {
        JsonObject o => o[token],
        JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
        _ => null,
    };

    private static void Set(JsonNode parent, string token, JsonNode? value, bool insert)
    {
        switch (parent)
        {
            case JsonObject o:
                o[token] = value;
                break;
            case JsonArray a when token == "-" && insert:
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i <= a.Count:
                if (insert)
                {
                    a.Insert(i, value);
                }
                else
                {
                    a[i] = value;
                }

                break;
            default:
                throw new PatchException($"cannot set {token}");
        }
    }

    private static void Remove(JsonNode parent, string token)
    {
        switch (parent)
        {
            case JsonObject o:
                o.Remove(token);
                break;
            case JsonArray a:
                a.RemoveAt(int.Parse(token, CultureInfo.InvariantCulture));
                break;
        }
    }
}
