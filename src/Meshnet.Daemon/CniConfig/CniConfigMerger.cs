using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Meshnet.Protocol;

namespace Meshnet.Daemon.CniConfig;

/// <summary>
/// Writes <c>00-meshnet.conflist</c>: the node's primary CNI configuration with meshnet chained last. The name
/// sorts first, so the runtime (which takes the first config in lexical order, as libcni lists them) uses ours.
/// </summary>
internal sealed class CniConfigMerger
{
    public const string OutputFileName = "00-meshnet.conflist";

    public const string PluginType = "meshnet";

    /// <summary>The extensions libcni's ConfFiles accepts; only ".conflist" holds a plugin list.</summary>
    private static readonly string[] ConfigExtensions = [".conf", ".conflist", ".json"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private readonly JsonObject _meshnetPlugin;

    /// <param name="confDir">The runtime's CNI config directory, usually /etc/cni/net.d.</param>
    /// <param name="daemonSocket">Written into the plugin entry when it is not the plugin's default.</param>
    /// <param name="stateDir">Written into the plugin entry when it is not the plugin's default.</param>
    public CniConfigMerger(string confDir, string? daemonSocket = null, string? stateDir = null)
    {
        ConfDir = confDir;
        _meshnetPlugin = new JsonObject { ["type"] = PluginType };
        if (daemonSocket is not null)
        {
            _meshnetPlugin["daemonSocket"] = daemonSocket;
        }
        if (stateDir is not null)
        {
            _meshnetPlugin["stateDir"] = stateDir;
        }
    }

    public string ConfDir { get; }

    public string OutputPath => Path.Combine(ConfDir, OutputFileName);

    /// <summary>
    /// Finds the primary config and (re)writes ours from it when its content would change. Without any primary
    /// config our file is removed: meshnet alone gives a pod no network, and a missing config makes the runtime
    /// report the node's network as not ready, which is the truth.
    /// </summary>
    public CniMergeResult Merge()
    {
        var skipped = new List<string>();
        foreach (string path in CandidateFiles())
        {
            JsonObject? merged = TryBuildConflist(path, out string? problem);
            if (merged is null)
            {
                skipped.Add($"{Path.GetFileName(path)}: {problem}");
                continue;
            }
            string content = merged.ToJsonString(Indented) + "\n";
            if (File.Exists(OutputPath) && File.ReadAllText(OutputPath, Encoding.UTF8) == content)
            {
                return new CniMergeResult(path, CniMergeAction.Unchanged, skipped);
            }
            AtomicFile.WriteAllText(OutputPath, content);
            return new CniMergeResult(path, CniMergeAction.Written, skipped);
        }
        if (File.Exists(OutputPath))
        {
            File.Delete(OutputPath);
            return new CniMergeResult(null, CniMergeAction.Removed, skipped);
        }
        return new CniMergeResult(null, CniMergeAction.NoSource, skipped);
    }

    /// <summary>Config files in the order libcni lists them (byte order, like Go's sort.Strings), ours excluded.</summary>
    private IEnumerable<string> CandidateFiles()
    {
        if (!Directory.Exists(ConfDir))
        {
            return [];
        }
        return Directory.EnumerateFiles(ConfDir)
            .Where(path =>
            {
                string name = Path.GetFileName(path);
                return name != OutputFileName
                    && !name.StartsWith('.') // our own AtomicFile temporaries, editors' swap files
                    && ConfigExtensions.Contains(Path.GetExtension(name), StringComparer.Ordinal);
            })
            .Order(StringComparer.Ordinal);
    }

    private JsonObject? TryBuildConflist(string path, out string? problem)
    {
        JsonObject source;
        try
        {
            if (JsonNode.Parse(File.ReadAllText(path, Encoding.UTF8)) is not JsonObject parsed)
            {
                problem = "not a JSON object";
                return null;
            }
            source = parsed;
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            problem = e.Message;
            return null;
        }

        problem = null;
        return path.EndsWith(".conflist", StringComparison.Ordinal)
            ? ExtendList(source, ref problem)
            : WrapSingle(source, ref problem);
    }

    /// <summary>A .conflist keeps everything it has; meshnet is appended as the last plugin.</summary>
    private JsonObject? ExtendList(JsonObject list, ref string? problem)
    {
        if (list["plugins"] is not JsonArray { Count: > 0 } plugins)
        {
            problem = "conflist without plugins";
            return null;
        }
        var result = (JsonObject)list.DeepClone();
        if (!ContainsMeshnet(plugins))
        {
            ((JsonArray)result["plugins"]!).Add(_meshnetPlugin.DeepClone());
        }
        return result;
    }

    /// <summary>A single .conf becomes a list: cniVersion and name move up, the plugin keeps the rest.</summary>
    private JsonObject? WrapSingle(JsonObject conf, ref string? problem)
    {
        if (conf["type"] is not JsonValue)
        {
            problem = "conf without type";
            return null;
        }
        var plugin = (JsonObject)conf.DeepClone();
        plugin.Remove("cniVersion");
        plugin.Remove("name");
        var plugins = new JsonArray(plugin);
        if (!ContainsMeshnet(plugins))
        {
            plugins.Add(_meshnetPlugin.DeepClone());
        }
        var result = new JsonObject();
        if (conf["cniVersion"] is { } version)
        {
            result["cniVersion"] = version.DeepClone();
        }
        if (conf["name"] is { } name)
        {
            result["name"] = name.DeepClone();
        }
        result["plugins"] = plugins;
        return result;
    }

    private static bool ContainsMeshnet(JsonArray plugins) =>
        plugins.Any(p => p is JsonObject o && o["type"] is JsonValue type
            && type.TryGetValue(out string? value) && value == PluginType);
}
