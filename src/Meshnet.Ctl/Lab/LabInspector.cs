using System.Text.Json.Serialization;
using Meshnet.Model;
using Meshnet.Netlink;
using Meshnet.Store;

namespace Meshnet.Ctl.Lab;

/// <summary>
/// What a lab looks like right now: every declared link end, with what the kernel actually has (addresses, MTU,
/// operational state) next to what the store recorded. Reads the kernel with one dump per pod namespace.
/// </summary>
internal static class LabInspector
{
    public static async Task<IReadOnlyList<InspectedEnd>> InspectAsync(ITopologyStore store, string lab, CancellationToken ct)
    {
        var ends = new List<InspectedEnd>();
        foreach (var pod in (await store.ListAsync(lab, ct)).Items.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            var nsName = LabNames.NetNsName(lab, pod.Name);
            var kernel = ReadKernel(nsName);
            foreach (var link in pod.Spec.Links.OrderBy(l => l.LocalIntf, StringComparer.Ordinal))
            {
                var recorded = pod.Status.Links.FirstOrDefault(s => s.Uid == link.Uid);
                kernel.TryGetValue(link.LocalIntf, out var dev);
                ends.Add(new InspectedEnd(
                    pod.Name,
                    pod.Status.NodeName,
                    link.LocalIntf,
                    link.IsMacvlan ? $"host/{link.PeerIntf}" : $"{link.PeerPod}/{link.PeerIntf}",
                    link.Uid,
                    dev?.Addresses ?? [],
                    dev?.Link.Mtu,
                    dev?.Link.HardwareAddr?.ToString() is { Length: > 0 } mac ? FormatMac(mac) : null,
                    StateOf(dev, recorded),
                    recorded?.Transport ?? (link.IsMacvlan ? "macvlan" : "veth"),
                    recorded?.Error is { Length: > 0 } err && recorded.State != LinkState.Up ? err : null)
                {
                    Counters = recorded?.Counters is { } c ? new InspectedCounters(c.TxFrames, c.TxBytes, c.TxDrops, c.RxFrames, c.RxBytes, c.RxDrops) : null,
                });
            }
        }

        return ends;
    }

    private static string StateOf(KernelEnd? dev, LinkStatus? recorded) => dev switch
    {
        null when recorded?.State == LinkState.Pending => "pending",
        null when recorded?.State == LinkState.Failed => "failed",
        null => "missing",
        { Link.IsUp: false } => "down",
        { Link.IsLowerUp: false } => "no-carrier",
        _ => "up",
    };

    private static Dictionary<string, KernelEnd> ReadKernel(string nsName)
    {
        if (!NetNs.Exists(nsName))
        {
            return [];
        }

        using var ns = NetNs.Open(nsName);
        using var nl = NetlinkHandle.Open(ns);
        var addrs = nl.AddrList().Where(a => !a.Address.Address.IsIPv6LinkLocal).ToLookup(a => a.Index, a => a.Address.ToString());
        return nl.LinkList().ToDictionary(l => l.Name, l => new KernelEnd(l, [.. addrs[l.Index]]), StringComparer.Ordinal);
    }

    private static string FormatMac(string hex) =>
        string.Join(':', Enumerable.Range(0, hex.Length / 2).Select(i => hex.Substring(i * 2, 2))).ToLowerInvariant();

    private sealed record KernelEnd(LinkInfo Link, IReadOnlyList<string> Addresses);
}

internal sealed record InspectedEnd(
    [property: JsonPropertyName("pod")] string Pod,
    [property: JsonPropertyName("node")] string? Node,
    [property: JsonPropertyName("interface")] string Interface,
    [property: JsonPropertyName("peer")] string Peer,
    [property: JsonPropertyName("uid")] int Uid,
    [property: JsonPropertyName("addresses")] IReadOnlyList<string> Addresses,
    [property: JsonPropertyName("mtu")] int? Mtu,
    [property: JsonPropertyName("mac")] string? Mac,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("transport")] string Transport,
    [property: JsonPropertyName("error")] string? Error)
{
    /// <summary>A gRPC wire's counters as its daemon last wrote them to the status (every few seconds while they move).</summary>
    [JsonPropertyName("counters")]
    public InspectedCounters? Counters { get; init; }
}

/// <summary>Frames, bytes and drops of a wire end: tx leaves the pod's interface, rx arrives at it.</summary>
internal sealed record InspectedCounters(
    [property: JsonPropertyName("tx_frames")] long TxFrames,
    [property: JsonPropertyName("tx_bytes")] long TxBytes,
    [property: JsonPropertyName("tx_drops")] long TxDrops,
    [property: JsonPropertyName("rx_frames")] long RxFrames,
    [property: JsonPropertyName("rx_bytes")] long RxBytes,
    [property: JsonPropertyName("rx_drops")] long RxDrops);

[JsonSerializable(typeof(IReadOnlyList<InspectedEnd>))]
[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class InspectJsonContext : JsonSerializerContext;
