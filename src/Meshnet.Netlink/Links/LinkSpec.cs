using System.Net.NetworkInformation;

namespace Meshnet.Netlink;

/// <summary>
/// A link to create. The subtype is the link kind (<see cref="Veth"/>, <see cref="Vxlan"/>, ...); the attributes here
/// are common to all kinds and are applied by the same RTM_NEWLINK that creates the device.
/// </summary>
public abstract record LinkSpec
{
    /// <summary>Interface name, at most 15 bytes.</summary>
    public required string Name { get; init; }

    public int? Mtu { get; init; }

    public PhysicalAddress? HardwareAddr { get; init; }

    /// <summary>Bring the link up in the same request (like `ip link add ... up`).</summary>
    public bool Up { get; init; }

    /// <summary>
    /// Create the device directly in this namespace (IFLA_NET_NS_FD) instead of the handle's: no later move, which
    /// would cost an RCU grace period (~16-20 ms) per device. Must stay open until the request has been sent.
    /// </summary>
    public NetNs? Namespace { get; init; }

    /// <summary>The rtnetlink kind string ("veth", "vxlan", ...).</summary>
    internal abstract string Kind { get; }
}

/// <summary>
/// = ip link add NAME [netns NS] type veth peer name PEER [netns PEERNS]. Both ends are created by one request, each
/// directly in its namespace, so both may carry the same name (e.g. eth1 in two pods).
/// </summary>
public sealed record Veth : LinkSpec
{
    public required string PeerName { get; init; }

    /// <summary>Where the peer is created; null means the same namespace as this end (<see cref="LinkSpec.Namespace"/>, else the handle's).</summary>
    public NetNs? PeerNamespace { get; init; }

    public PhysicalAddress? PeerHardwareAddr { get; init; }

    /// <summary>The peer's MTU; null means the same as <see cref="LinkSpec.Mtu"/>.</summary>
    public int? PeerMtu { get; init; }

    public bool PeerUp { get; init; }

    internal override string Kind => "veth";
}

/// <summary>
/// = ip link add NAME type vxlan id VNI [remote R] [local L] dstport PORT [dev PARENT] [nolearning].
/// The vxlan UDP socket lives in the namespace the request is sent from; the device itself can live elsewhere.
/// </summary>
public sealed record Vxlan : LinkSpec
{
    public required int Vni { get; init; }

    public System.Net.IPAddress? Remote { get; init; }

    public System.Net.IPAddress? Local { get; init; }

    /// <summary>UDP destination port (IANA 4789 by default).</summary>
    public int Port { get; init; } = 4789;

    /// <summary>IFLA_VXLAN_LINK: the underlay device, an index in the underlay namespace. Note the kernel then clamps MTU to the parent's minus 50.</summary>
    public int? ParentIndex { get; init; }

    public bool Learning { get; init; } = true;

    /// <summary>
    /// The underlay namespace, where the vxlan's UDP socket is opened. When set, <see cref="NetlinkHandle.LinkAdd"/>
    /// sends the request from a socket opened in this namespace, with the device placed in <see cref="LinkSpec.Namespace"/>
    /// (or, when that is null, in the handle's namespace) — the way `ip -n NODE link add ... netns POD` does it, and
    /// ~30x cheaper than create-then-move. Null means the request's own namespace is the underlay.
    /// </summary>
    public NetNs? LinkNamespace { get; init; }

    internal override string Kind => "vxlan";
}

/// <summary>= ip link add NAME link PARENT type macvlan mode MODE.</summary>
public sealed record Macvlan : LinkSpec
{
    /// <summary>The parent device's index, in the namespace the request is sent from.</summary>
    public required int ParentIndex { get; init; }

    public MacvlanMode Mode { get; init; } = MacvlanMode.Bridge;

    internal override string Kind => "macvlan";
}

/// <summary>Values of IFLA_MACVLAN_MODE.</summary>
public enum MacvlanMode
{
    Private = 1,
    Vepa = 2,
    Bridge = 4,
    Passthru = 8,
    Source = 16,
}

/// <summary>= ip link add NAME type bridge.</summary>
public sealed record Bridge : LinkSpec
{
    internal override string Kind => "bridge";
}

/// <summary>
/// = ip tuntap add NAME mode tap [multi_queue]. Taps are not created over rtnetlink but through /dev/net/tun
/// (TUNSETIFF, then TUNSETPERSIST so the device outlives our descriptor); the common attributes (MTU, MAC, up) are
/// then applied with RTM_SETLINK. Only persistent taps can be created this way: a non-persistent tap lives exactly as
/// long as its descriptor, which <see cref="TapDevice.Open"/> hands out.
/// </summary>
public sealed record Tap : LinkSpec
{
    public bool Persistent { get; init; } = true;

    /// <summary>IFF_MULTI_QUEUE: several descriptors may attach, one queue each.</summary>
    public bool MultiQueue { get; init; }

    internal override string Kind => "tun";
}
