using System.Net;

namespace Meshnet.Wire;

/// <summary>
/// The data path of gRPC wires on this node: relays Ethernet frames between this node's wire ends (persistent TAPs
/// in pod namespaces) and the peer nodes' daemons over the mutual-TLS node API. The control plane (the daemon's
/// reconciler) decides which ends exist, creates and deletes their TAPs, and records them in the store; the relay
/// only moves frames, keeps each TAP's carrier true to the path (on only while the peer's end is bound), and counts.
/// </summary>
/// <remarks>
/// Contract between the two sides:
/// <list type="bullet">
/// <item>The TAP named <see cref="WireEnd.InterfaceName"/> exists in <see cref="WireEnd.NetNsPath"/> (persistent,
/// created by the control plane) before <see cref="Attach"/>; the relay opens its own descriptor on it.</item>
/// <item><see cref="Attach"/> is idempotent by <see cref="WireEnd.LocalId"/>: the same end again changes nothing; a
/// changed end (peer node moved, TAP recreated) is re-opened / re-bound.</item>
/// <item><see cref="Detach"/> closes the relay's descriptor (the TAP stays until the control plane deletes it) and
/// tells the peer, whose end then loses carrier. Unknown ids are fine (idempotent).</item>
/// <item>Nothing here reads the store or trusts the network for a netns path or interface name: a peer names a link
/// by (namespace, uid) and an id this node assigned.</item>
/// </list>
/// </remarks>
public interface IWireRelay : IAsyncDisposable
{
    /// <summary>Starts (or updates) relaying for this node's end of a wire. Carrier stays off until the peer's end is bound.</summary>
    void Attach(WireEnd end);

    /// <summary>Stops relaying for the end with this id and tells its peer; false when no such end was attached.</summary>
    bool Detach(long localId);

    /// <summary>The end's current state and counters, or null when not attached.</summary>
    WireStatus? GetStatus(long localId);

    /// <summary>Every attached end's state and counters.</summary>
    IReadOnlyCollection<WireStatus> GetAll();

    /// <summary>Raised (on a relay thread; keep handlers short) when an end's carrier goes up or down.</summary>
    event Action<WireStatus>? CarrierChanged;
}

/// <summary>
/// This node's end of a gRPC wire, as the control plane declares it.
/// </summary>
/// <param name="LocalId">Node-unique id this node assigned to its end (persisted, stable across daemon restarts);
/// frames the peer sends for this end carry it.</param>
/// <param name="Namespace">The Topology namespace of the link.</param>
/// <param name="Uid">The link's uid in that namespace (both ends share it).</param>
/// <param name="NetNsPath">The pod's network namespace (e.g. /var/run/netns/… or /proc/PID/ns/net).</param>
/// <param name="InterfaceName">The TAP in that namespace (the link's local_intf).</param>
/// <param name="PeerNode">The node holding the other end (checked against that node's certificate).</param>
/// <param name="PeerEndpoint">That node's node-API address and port (GRPC_PORT).</param>
/// <param name="Mtu">The link's MTU; frames larger than this (plus GSO super-frames when offloads are on) are the peer's to segment.</param>
public sealed record WireEnd(
    long LocalId,
    string Namespace,
    int Uid,
    string NetNsPath,
    string InterfaceName,
    string PeerNode,
    IPEndPoint PeerEndpoint,
    int Mtu);

/// <summary>An end's state as the relay sees it.</summary>
/// <param name="CarrierUp">True while the peer's end is bound over a working stream (the TAP has carrier).</param>
/// <param name="DownReason">Why the carrier is off (peer node unreachable, peer end not attached, …); null when up.</param>
/// <param name="PeerWireId">The id the peer node assigned to its end (wire_iface_id_on_peer_node), once learnt.</param>
public sealed record WireStatus(WireEnd End, bool CarrierUp, string? DownReason, long? PeerWireId, WireCounters Counters);

/// <summary>Per-end counters, from this node's point of view (Tx = TAP → peer, Rx = peer → TAP).</summary>
public readonly record struct WireCounters(
    long TxFrames, long TxBytes, long TxDrops,
    long RxFrames, long RxBytes, long RxDrops);
