using System.Text.Json.Serialization;

namespace Meshnet.Model;

/// <summary>
/// One <c>Topology</c> object (networkop.co.uk/v1beta1): the links of one pod, named after the pod, in the pod's
/// namespace. Mirrors the custom resource field for field so the Kubernetes and SQLite stores hold the same thing.
/// Equality is by value, including the contents of lists and labels (see TopologyEquality.cs).
/// </summary>
public sealed partial record Topology
{
    public required string Namespace { get; init; }

    /// <summary>The pod's name.</summary>
    public required string Name { get; init; }

    public TopologySpec Spec { get; init; } = new();

    public TopologyStatus Status { get; init; } = new();

    /// <summary>Opaque version of this object in its store, for optimistic concurrency; null when not stored.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>Bumped by the store on every spec change (not on status writes).</summary>
    public long Generation { get; init; }

    /// <summary>Free-form labels (metadata.labels), e.g. the lab a pod belongs to.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The namespace/name key that identifies this object.</summary>
    [JsonIgnore]
    public PodKey Key => new(Namespace, Name);
}

/// <summary>Identity of a pod (and its Topology): namespace and name.</summary>
public readonly record struct PodKey(string Namespace, string Name) : IComparable<PodKey>
{
    public int CompareTo(PodKey other)
    {
        var c = string.CompareOrdinal(Namespace, other.Namespace);
        return c != 0 ? c : string.CompareOrdinal(Name, other.Name);
    }

    public override string ToString() => $"{Namespace}/{Name}";

    public static bool operator <(PodKey left, PodKey right) => left.CompareTo(right) < 0;

    public static bool operator <=(PodKey left, PodKey right) => left.CompareTo(right) <= 0;

    public static bool operator >(PodKey left, PodKey right) => left.CompareTo(right) > 0;

    public static bool operator >=(PodKey left, PodKey right) => left.CompareTo(right) >= 0;
}

public sealed partial record TopologySpec
{
    public IReadOnlyList<Link> Links { get; init; } = [];
}

/// <summary>
/// One end of a point-to-point link as declared in <c>spec.links[]</c>. Both ends of a link carry the same
/// <see cref="Uid"/> (0 is valid) and mirror each other's pod, interface, IP, MAC and MTU.
/// </summary>
public sealed record Link
{
    public const string LocalhostPeer = "localhost";

    public required int Uid { get; init; }

    /// <summary>The pod at the other end, or <c>localhost</c> for a macvlan on host interface <see cref="PeerIntf"/>.</summary>
    public required string PeerPod { get; init; }

    public required string LocalIntf { get; init; }

    public required string PeerIntf { get; init; }

    /// <summary>CIDR for the local end (e.g. <c>10.0.0.1/24</c>); empty or null means none.</summary>
    public string? LocalIp { get; init; }

    public string? PeerIp { get; init; }

    /// <summary>Optional per-link MTU (additive field); both ends must agree. Null means the default (1500).</summary>
    public int? Mtu { get; init; }

    /// <summary>Optional MAC of the local end, <c>aa:bb:cc:dd:ee:ff</c>.</summary>
    public string? LocalMac { get; init; }

    public string? PeerMac { get; init; }

    [JsonIgnore]
    public bool IsMacvlan => PeerPod == LocalhostPeer;

    public const int DefaultMtu = 1500;

    [JsonIgnore]
    public int EffectiveMtu => Mtu ?? DefaultMtu;
}

/// <summary>
/// <c>status</c> of a Topology. A pod is alive when <see cref="SrcIp"/> and <see cref="NetNs"/> are set.
/// </summary>
public sealed partial record TopologyStatus
{
    /// <summary>Address of the node the pod runs on.</summary>
    public string? SrcIp { get; init; }

    /// <summary>Path of the pod's network namespace.</summary>
    public string? NetNs { get; init; }

    public string? ContainerId { get; init; }

    /// <summary>Legacy field kept for compatibility with the original meshnet; may stay empty.</summary>
    public IReadOnlyList<string> Skipped { get; init; } = [];

    /// <summary>Empty when healthy; otherwise what went wrong plumbing this pod's links.</summary>
    public string? PlumbingError { get; init; }

    /// <summary>Name of the node the pod runs on (additive field).</summary>
    public string? NodeName { get; init; }

    /// <summary>Per-link state (additive field), one entry per declared link uid.</summary>
    public IReadOnlyList<LinkStatus> Links { get; init; } = [];

    /// <summary>
    /// Links up out of links declared, e.g. "2/3" (additive field, derived from <see cref="Links"/>, never read
    /// back): what <c>kubectl get topo</c>'s Links column shows, since a printer column can show one value but not
    /// count a list. Null while the pod has no link status.
    /// </summary>
    public string? LinksUp => Links.Count == 0 ? null : $"{Links.Count(l => l.State == LinkState.Up)}/{Links.Count}";

    [JsonIgnore]
    public bool IsAlive => !string.IsNullOrEmpty(SrcIp) && !string.IsNullOrEmpty(NetNs);
}

/// <summary>Observed state of one link end, written by whoever plumbs it.</summary>
public sealed record LinkStatus
{
    public required int Uid { get; init; }

    /// <summary>The pod-side interface meshnet built for this link (so a later edit can remove exactly it).</summary>
    public string? Intf { get; init; }

    public required LinkState State { get; init; }

    /// <summary>veth, vxlan, grpc or macvlan; null while pending.</summary>
    public string? Transport { get; init; }

    /// <summary>Why the link is not up (pending, failed, or a gRPC wire without carrier); null when up.</summary>
    public string? Error { get; init; }

    /// <summary>Frames, bytes and drops each way (additive field; gRPC wires, whose relay counts them); null otherwise.</summary>
    public LinkCounters? Counters { get; init; }
}

/// <summary>Per-link counters from this end's point of view: Tx leaves the pod's interface, Rx arrives at it.</summary>
public sealed record LinkCounters
{
    public long TxFrames { get; init; }

    public long TxBytes { get; init; }

    public long TxDrops { get; init; }

    public long RxFrames { get; init; }

    public long RxBytes { get; init; }

    public long RxDrops { get; init; }
}

public enum LinkState
{
    /// <summary>Declared, waiting for the peer pod to appear.</summary>
    Pending,

    /// <summary>Plumbed and up.</summary>
    Up,

    /// <summary>Plumbing failed; see the error.</summary>
    Failed,

    /// <summary>Built, but without carrier (a gRPC wire whose path to the peer is not working); see the error for why.</summary>
    Down,
}
