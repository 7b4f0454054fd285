using System.Text.Json;
using System.Text.Json.Serialization;
using Meshnet.Protocol;

namespace Meshnet.Cni.Spec;

/// <summary>
/// The network configuration on stdin: the spec's keys we use, plus meshnet's own. Unknown keys are ignored,
/// as the spec asks of plugins.
/// </summary>
internal sealed record NetworkConfig
{
    public const string DefaultStateDir = "/run/meshnet";

    [JsonPropertyName("cniVersion")]
    public string? CniVersion { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("type")]
    public string? Type { get; init; }

    /// <summary>The previous plugin's result, kept as raw JSON so that ADD can hand it on unchanged.</summary>
    [JsonPropertyName("prevResult")]
    public JsonElement? PrevResult { get; init; }

    [JsonPropertyName("runtimeConfig")]
    public JsonElement? RuntimeConfig { get; init; }

    /// <summary>CNI 1.1 GC: the attachments the runtime still considers alive.</summary>
    [JsonPropertyName("cni.dev/valid-attachments")]
    public IReadOnlyList<ValidAttachment>? ValidAttachments { get; init; }

    /// <summary>meshnetd's Unix socket.</summary>
    [JsonPropertyName("daemonSocket")]
    public string? DaemonSocket { get; init; }

    /// <summary>Where the daemon keeps the topology index and the pending-pod spool.</summary>
    [JsonPropertyName("stateDir")]
    public string? StateDir { get; init; }

    /// <summary>The cniVersion as libcni reads it: absent means 0.1.0.</summary>
    public string EffectiveCniVersion => string.IsNullOrEmpty(CniVersion) ? SpecVersion.Implicit : CniVersion;

    public string EffectiveDaemonSocket => string.IsNullOrEmpty(DaemonSocket) ? DaemonChannel.DefaultSocketPath : DaemonSocket;

    public string EffectiveStateDir => string.IsNullOrEmpty(StateDir) ? DefaultStateDir : StateDir;

    /// <summary>
    /// meshnet's own keys and the GC list, checked before anything is done with them (7, naming the key): the state
    /// directory and socket must be absolute (a relative one would put the spool wherever the runtime's working
    /// directory happens to be), and every valid attachment names its container and interface.
    /// </summary>
    public void Validate()
    {
        foreach (var (key, path) in new[] { ("daemonSocket", DaemonSocket), ("stateDir", StateDir) })
        {
            if (!string.IsNullOrEmpty(path) && !Path.IsPathFullyQualified(path))
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig, $"{key} \"{path}\" is not an absolute path");
            }
        }

        for (var i = 0; i < (ValidAttachments?.Count ?? 0); i++)
        {
            if (ValidAttachments![i] is not { ContainerId.Length: > 0, IfName.Length: > 0 })
            {
                throw new CniException(CniErrorCode.InvalidNetworkConfig,
                    $"cni.dev/valid-attachments[{i}] needs a containerID and an ifname");
            }
        }
    }

    /// <summary>Parses stdin; malformed JSON or a wrongly typed key is a decoding failure (6), as in skel.</summary>
    public static NetworkConfig Parse(ReadOnlySpan<byte> json)
    {
        NetworkConfig? config;
        try
        {
            config = JsonSerializer.Deserialize(json, CniJsonContext.Default.NetworkConfig);
        }
        catch (JsonException e)
        {
            throw new CniException(CniErrorCode.DecodingFailure, "error unmarshalling network config", e.Message);
        }
        return config ?? throw new CniException(CniErrorCode.DecodingFailure, "error unmarshalling network config", "config is null");
    }
}

/// <summary>One entry of <c>cni.dev/valid-attachments</c>.</summary>
internal sealed record ValidAttachment(
    [property: JsonPropertyName("containerID")] string ContainerId,
    [property: JsonPropertyName("ifname")] string IfName);

[JsonSerializable(typeof(NetworkConfig))]
internal sealed partial class CniJsonContext : JsonSerializerContext;
