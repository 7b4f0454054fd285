using System.Text.Json.Nodes;
using Meshnet.Protocol;

namespace Meshnet.Cni.Tests.Infrastructure;

/// <summary>
/// A private state directory and daemon socket path for one test, and the network config that points the
/// plugin at them.
/// </summary>
public sealed class PluginSandbox : IDisposable
{
    public PluginSandbox()
    {
        // Unix socket paths are limited to 108 bytes: keep the directory short.
        StateDir = Path.Combine(Path.GetTempPath(), "mncni-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(StateDir);
    }

    public string StateDir { get; }

    public string SocketPath => Path.Combine(StateDir, "d.sock");

    public string IndexPath => Path.Combine(StateDir, TopologyIndexFile.FileName);

    public PendingPodSpool Spool => new(StateDir);

    /// <summary>The topology index as the daemon would leave it.</summary>
    public void WriteIndex(params (string Namespace, string Name)[] pods) => TopologyIndexFile.Write(IndexPath, pods);

    /// <summary>A network config for meshnet; <paramref name="extra"/> adds or overrides keys.</summary>
    public string Config(string cniVersion, JsonNode? prevResult = null, Action<JsonObject>? extra = null)
    {
        var config = new JsonObject
        {
            ["cniVersion"] = cniVersion,
            ["name"] = "kindnet",
            ["type"] = "meshnet",
            ["daemonSocket"] = SocketPath,
            ["stateDir"] = StateDir,
        };
        if (prevResult is not null)
        {
            config["prevResult"] = prevResult.DeepClone();
        }
        extra?.Invoke(config);
        return config.ToJsonString();
    }

    public void Dispose() => Directory.Delete(StateDir, recursive: true);
}
