using System.Text.Json.Serialization;

namespace Meshnet.Protocol;

/// <summary>
/// A pod that the plugin let through while the daemon was unreachable. The daemon adopts it when a Topology for
/// it appears later (or forgets it when the pod is deleted first).
/// </summary>
public sealed record PendingPod(
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("containerId")] string ContainerId,
    [property: JsonPropertyName("netns")] string Netns,
    [property: JsonPropertyName("ifname")] string IfName);

[JsonSerializable(typeof(PendingPod))]
[JsonSourceGenerationOptions(WriteIndented = false)]
internal sealed partial class PendingPodJsonContext : JsonSerializerContext;
