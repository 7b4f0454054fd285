using System.Net.NetworkInformation;
using Meshnet.Model;
using Meshnet.Netlink;

namespace Meshnet.Engine;

/// <summary>One end of a link as the kernel should have it: which pod namespace, which name, which address and MAC.</summary>
public sealed record EndpointSpec(PodKey Pod, string NetNsPath, string Intf, IReadOnlyList<IpPrefix> Addresses, PhysicalAddress? Mac);

/// <summary>A link the engine should make exist, identified by (namespace, uid).</summary>
public abstract record PlannedLink(string Namespace, int Uid, int Mtu)
{
    /// <summary>The ends this node is responsible for, in a stable order.</summary>
    public abstract IEnumerable<EndpointSpec> LocalEnds { get; }

    public abstract string Transport { get; }
}

/// <summary>
/// A veth pair between two pods on this node (or two interfaces of one pod). <see cref="Owner"/> is the end whose
/// (pod, interface) sorts first: the pair is created from its namespace, with the peer placed directly in the other.
/// </summary>
public sealed record PlannedVeth(string Namespace, int Uid, int Mtu, EndpointSpec Owner, EndpointSpec Peer)
    : PlannedLink(Namespace, Uid, Mtu)
{
    public override IEnumerable<EndpointSpec> LocalEnds => [Owner, Peer];

    public override string Transport => "veth";
}

/// <summary>A macvlan (bridge mode) in the pod, whose parent is <see cref="ParentIntf"/> in the node's namespace.</summary>
public sealed record PlannedMacvlan(string Namespace, int Uid, int Mtu, EndpointSpec End, string ParentIntf)
    : PlannedLink(Namespace, Uid, Mtu)
{
    public override IEnumerable<EndpointSpec> LocalEnds => [End];

    public override string Transport => "macvlan";
}

/// <summary>
/// This node's end of a link to a pod on another node: a VXLAN device named like the pod's interface, created
/// directly inside the pod's namespace with its UDP socket in the node's namespace (no move), pointing at the peer
/// node. The peer node builds the other end the same way; both use the <see cref="Vni"/> allocated in the store.
/// <see cref="Device"/> (HOST_INTF) pins the underlay interface the tunnel leaves by; null: the one holding
/// <see cref="Local"/>.
/// </summary>
public sealed record PlannedVxlan(
    string Namespace, int Uid, int Mtu, EndpointSpec End, System.Net.IPAddress Local, System.Net.IPAddress Remote, int Vni, string? Device = null)
    : PlannedLink(Namespace, Uid, Mtu)
{
    /// <summary>IANA VXLAN port, as the original meshnet uses.</summary>
    public const int Port = 4789;

    /// <summary>Outer Ethernet + IPv4 + UDP + VXLAN headers: the underlay must carry MTU + this.</summary>
    public const int Overhead = 50;

    public override IEnumerable<EndpointSpec> LocalEnds => [End];

    public override string Transport => "vxlan";
}

/// <summary>
/// This node's end of a gRPC wire to a pod on another node: a persistent TAP named like the pod's interface, created
/// in the pod's namespace, whose frames the daemon's relay carries to <see cref="PeerNode"/> over the mutual-TLS
/// node API. <see cref="LocalId"/> is the id this node assigned to its end (stable across restarts, in the store);
/// the peer node builds its own end the same way.
/// </summary>
public sealed record PlannedGrpcWire(
    string Namespace, int Uid, int Mtu, EndpointSpec End, string PeerNode, System.Net.IPAddress PeerNodeAddress, long LocalId)
    : PlannedLink(Namespace, Uid, Mtu)
{
    public override IEnumerable<EndpointSpec> LocalEnds => [End];

    public override string Transport => "grpc";
}
