using System.Net.NetworkInformation;

namespace Meshnet.Netlink;

/// <summary>A link as the kernel reports it (one RTM_NEWLINK).</summary>
/// <param name="Kind">"veth", "vxlan", "macvlan", "tun", "bridge", ... or "" for devices without IFLA_INFO_KIND (loopback, physical).</param>
/// <param name="IsUp">Administratively up (IFF_UP).</param>
/// <param name="IsLowerUp">Carrier present (IFF_LOWER_UP): for a veth, the peer is up too.</param>
/// <param name="ParentIndex">IFLA_LINK: the peer of a veth, the lower device of a macvlan/vxlan; may be an index in another namespace.</param>
/// <param name="PeerNetNsId">IFLA_LINK_NETNSID: the namespace (as a netnsid of this namespace) that <paramref name="ParentIndex"/> lives in.</param>
/// <param name="MasterIndex">IFLA_MASTER (bridge, bond, vrf), 0 when none.</param>
/// <param name="Flags">The raw IFF_* flags.</param>
public sealed record LinkInfo(
    int Index,
    string Name,
    string Kind,
    int Mtu,
    PhysicalAddress? HardwareAddr,
    bool IsUp,
    bool IsLowerUp,
    int? ParentIndex,
    int? PeerNetNsId,
    int MasterIndex,
    uint Flags)
{
    /// <summary>The VNI of a vxlan link (IFLA_VXLAN_ID), null for other kinds.</summary>
    public int? VxlanId { get; init; }

    /// <summary>The remote (IFLA_VXLAN_GROUP/GROUP6) of a point-to-point vxlan link, null for other kinds.</summary>
    public System.Net.IPAddress? VxlanRemote { get; init; }

    /// <summary>The underlay device of a vxlan link (IFLA_VXLAN_LINK, an index in its socket's namespace), null when not pinned.</summary>
    public int? VxlanLink { get; init; }
}

/// <summary>What happened to a link.</summary>
public enum LinkEventType
{
    /// <summary>RTM_NEWLINK: the link appeared or changed (flags, name, MTU, ...).</summary>
    NewLink,

    /// <summary>RTM_DELLINK: the link is gone (or moved to another namespace).</summary>
    DelLink,
}

/// <summary>One link notification from the kernel.</summary>
public sealed record LinkEvent(LinkEventType Type, LinkInfo Link);
