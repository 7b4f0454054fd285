namespace Meshnet.Store;

/// <summary>
/// The gRPC wires each node terminates, persisted so that a restarted daemon can reopen its TAPs and reattach them
/// (DESIGN.md: "gRPC wires survive a daemon restart"). On Kubernetes this is the <c>GWireKObj</c> resource (one
/// object per topology namespace and node, named after the node); on SQLite, rows of the embedded store. Both are
/// tested by one contract suite. Only the node's own daemon writes its records, so there are no write races to win.
/// </summary>
public interface IWireStore
{
    /// <summary>Every wire recorded for <paramref name="nodeName"/>, across all topology namespaces, ordered by (namespace, uid).</summary>
    Task<IReadOnlyList<WireRecord>> ListAsync(string nodeName, CancellationToken ct = default);

    /// <summary>Creates or replaces the records (keyed by node, namespace and uid).</summary>
    Task PutAsync(IReadOnlyCollection<WireRecord> records, CancellationToken ct = default);

    /// <summary>Deletes the node's records of these links; missing ones are fine. Returns how many existed.</summary>
    Task<int> DeleteAsync(string nodeName, IReadOnlyCollection<WireKey> links, CancellationToken ct = default);
}

/// <summary>A link of a topology namespace, as wires are keyed on a node (one end per node per link).</summary>
public readonly record struct WireKey(string Namespace, int Uid)
{
    public override string ToString() => $"{Namespace}/uid {Uid}";
}

/// <summary>
/// One wire end on a node, with the CRD's fields (<c>status.grpcWireItems[]</c>) and two additive ones: the id this
/// node assigned to its end (<see cref="LocalId"/>) and the peer's node name.
/// </summary>
/// <param name="NodeName">node_name: the node terminating this end.</param>
/// <param name="Namespace">topo_namespace.</param>
/// <param name="Uid">link_id: the link's uid.</param>
/// <param name="LocalId">wire_iface_id_on_local_node (additive): node-unique, stable across restarts; the peer addresses frames with it.</param>
/// <param name="LocalPodName">local_pod_name.</param>
/// <param name="LocalPodNetNs">local_pod_net_ns: where the TAP lives.</param>
/// <param name="LocalPodIp">local_pod_ip: the link's local address (CIDR), empty when none.</param>
/// <param name="LocalIntf">local_pod_iface_name and wire_iface_name_on_local_node: the TAP is the pod's interface itself.</param>
/// <param name="PeerNode">gwire_peer_node_name (additive): checked against the peer's certificate.</param>
/// <param name="PeerNodeIp">gwire_peer_node_ip: the peer node's address (its node API listens on GRPC_PORT there).</param>
/// <param name="PeerWireId">wire_iface_id_on_peer_node: the id the peer node assigned to its end, 0 until learnt.</param>
public sealed record WireRecord(
    string NodeName,
    string Namespace,
    int Uid,
    long LocalId,
    string LocalPodName,
    string LocalPodNetNs,
    string LocalPodIp,
    string LocalIntf,
    string PeerNode,
    string PeerNodeIp,
    long PeerWireId = 0)
{
    public WireKey Key => new(Namespace, Uid);
}
