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
