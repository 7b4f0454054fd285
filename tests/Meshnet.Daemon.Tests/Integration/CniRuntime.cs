using System.Text.Json.Nodes;
using Meshnet.Testing;

namespace Meshnet.Daemon.Tests.Integration;

/// <summary>A pod sandbox as the runtime sees it: namespace/name, container id, netns path.</summary>
internal sealed record PodSandbox(string Namespace, string Name, string ContainerId, string NetNs);

/// <summary>What one CNI operation ended with: the last plugin's stdout, or the first failure's error JSON.</summary>
internal sealed record CniOutcome(int ExitCode, string Stdout, string Stderr)
{
    public bool Ok => ExitCode == 0;

    public int? ErrorCode => Ok ? null : (int?)JsonNode.Parse(Stdout)?["code"];

    public string ErrorMessage => Ok ? "" : (string?)JsonNode.Parse(Stdout)?["msg"] ?? Stdout;
}

/// <summary>
/// Drives a conflist the way libcni does for a container runtime: ADD runs every plugin in order, each getting the
/// previous result as <c>prevResult</c>; CHECK runs in order and DEL in reverse, both with the cached ADD result
/// (spec 0.4.0+). Plugins run as separate processes with the CNI_* environment, inside a throwaway "host"
/// namespace so the machine's own interfaces and sysctls stay untouched (ptp turns on forwarding where it runs).
/// </summary>
internal sealed class CniRuntime(string confList, string binDir, string hostNetNs)
{
    private readonly Dictionary<string, string> _cachedResults = [];
    private readonly Lock _gate = new();

    public JsonObject ConfList => (JsonObject)JsonNode.Parse(File.ReadAllText(confList))!;

    public CniOutcome Add(PodSandbox pod)
    {
        var list = ConfList;
        string? prev = null;
        CniOutcome? last = null;
        foreach (var plugin in Plugins(list))
        {
            last = Exec("ADD", pod, PluginConfig(list, plugin, prev));
            if (!last.Ok)
            {
                return last;
            }

            prev = last.Stdout;
        }

        lock (_gate)
        {
            _cachedResults[pod.ContainerId] = prev!;
        }

        return last!;
    }

    public CniOutcome Check(PodSandbox pod)
    {
        var list = ConfList;
        CniOutcome? last = null;
        foreach (var plugin in Plugins(list))
        {
            last = Exec("CHECK", pod, PluginConfig(list, plugin, Cached(pod)));
            if (!last.Ok)
            {
                return last;
            }
        }

        return last!;
    }

    public CniOutcome Del(PodSandbox pod)
    {
        var list = ConfList;
        CniOutcome? last = null;
        foreach (var plugin in Plugins(list).Reverse())
        {
            last = Exec("DEL", pod, PluginConfig(list, plugin, Cached(pod)));
            if (!last.Ok)
            {
                return last;
            }
        }

        return last!;
    }

    /// <summary>Runs one plugin by itself (e.g. meshnet alone with a synthetic prevResult).</summary>
    public CniOutcome ExecPlugin(string command, PodSandbox pod, JsonObject config) => Exec(command, pod, config.ToJsonString());

    private string? Cached(PodSandbox pod)
    {
        lock (_gate)
        {
            return _cachedResults.GetValueOrDefault(pod.ContainerId);
        }
    }

    private static IEnumerable<JsonObject> Plugins(JsonObject list) => list["plugins"]!.AsArray().Select(p => (JsonObject)p!);

    private static string PluginConfig(JsonObject list, JsonObject plugin, string? prevResult)
    {
        var config = (JsonObject)plugin.DeepClone();
        config["cniVersion"] = list["cniVersion"]!.DeepClone();
        config["name"] = list["name"]!.DeepClone();
        if (prevResult is not null)
        {
            config["prevResult"] = JsonNode.Parse(prevResult);
        }

        return config.ToJsonString();
    }

    private CniOutcome Exec(string command, PodSandbox pod, string config)
    {
        var type = (string)JsonNode.Parse(config)!["type"]!;
        var binary = File.Exists(Path.Combine(binDir, type)) ? Path.Combine(binDir, type) : Path.Combine("/usr/lib/cni", type);
        var env = new Dictionary<string, string>
        {
            ["CNI_COMMAND"] = command,
            ["CNI_CONTAINERID"] = pod.ContainerId,
            ["CNI_NETNS"] = pod.NetNs,
            ["CNI_IFNAME"] = "eth0",
            ["CNI_ARGS"] = $"IgnoreUnknown=1;K8S_POD_NAMESPACE={pod.Namespace};K8S_POD_NAME={pod.Name};K8S_POD_INFRA_CONTAINER_ID={pod.ContainerId}",
            ["CNI_PATH"] = $"{binDir}:/usr/lib/cni",
        };
        var r = Cmd.Run("nsenter", [$"--net=/var/run/netns/{hostNetNs}", "--", binary], config, env, TimeSpan.FromSeconds(60));
        return new CniOutcome(r.ExitCode, r.Stdout, r.Stderr);
    }
}
