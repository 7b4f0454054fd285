using System.Net.NetworkInformation;
using Meshnet.Netlink.Protocol;

namespace Meshnet.Netlink;

public sealed partial class NetlinkHandle
{
    /// <summary>
    /// = ip link add NAME [netns NS] type KIND ... [up]. One RTM_NEWLINK creates the device with its MTU, MAC, state and
    /// namespace (and a veth's peer, likewise). A <see cref="Tap"/> goes through /dev/net/tun; a <see cref="Vxlan"/>
    /// with <see cref="Vxlan.LinkNamespace"/> is sent from that underlay namespace. Duplicate names fail with EEXIST.
    /// </summary>
    public void LinkAdd(LinkSpec link)
    {
        ArgumentNullException.ThrowIfNull(link);
        switch (link)
        {
            case Tap tap:
                TapDevice.Create(this, tap);
                return;
            case Vxlan { LinkNamespace: { } underlay } vxlan:
                AddVxlanFromUnderlay(vxlan, underlay);
                return;
            case Veth { PeerUp: true } veth:
                Acknowledge("LinkAdd", link.Name, (w, seq) => LinkMessages.NewLink(w, seq, link));
                using (var peerSide = PeerNamespace(veth) is { } peerNs ? Open(peerNs) : null)
                {
                    (peerSide ?? this).Acknowledge("LinkAdd", veth.PeerName, (w, seq) => LinkMessages.SetUpByName(w, seq, veth.PeerName));
                }

                GC.KeepAlive(link);
                return;
            default:
                Acknowledge("LinkAdd", link.Name, (w, seq) => LinkMessages.NewLink(w, seq, link));
                GC.KeepAlive(link);
                return;
        }
    }

    /// <summary>= ip link del NAME. Throws <see cref="LinkNotFoundException"/> when there is no such link.</summary>
    public void LinkDel(string name) => Acknowledge("LinkDel", name, (w, seq) => LinkMessages.DelLink(w, seq, 0, name));

    /// <summary>= ip link del dev (by index). Throws <see cref="LinkNotFoundException"/> when there is no such link.</summary>
    public void LinkDel(int index) => Acknowledge("LinkDel", Describe(index), (w, seq) => LinkMessages.DelLink(w, seq, index));

    /// <summary>= ip link show NAME. Throws <see cref="LinkNotFoundException"/> when there is no such link.</summary>
    public LinkInfo LinkByName(string name) =>
        Get("LinkByName", name, (w, seq) => LinkMessages.GetLink(w, seq, 0, name), LinkMessages.Parse);

    /// <summary>= ip link show (by index). Throws <see cref="LinkNotFoundException"/> when there is no such link.</summary>
    public LinkInfo LinkByIndex(int index) =>
        Get("LinkByIndex", Describe(index), (w, seq) => LinkMessages.GetLink(w, seq, index, null), LinkMessages.Parse);

    /// <summary>= ip link show NAME, without throwing when the link does not exist.</summary>
    public bool TryLinkByName(string name, out LinkInfo? link)
    {
        try
        {
            link = LinkByName(name);
            return true;
        }
        catch (LinkNotFoundException)
        {
            link = null;
            return false;
        }
    }

    /// <summary>= ip link show: every link in the namespace, from one dump.</summary>
    public IReadOnlyList<LinkInfo> LinkList() =>
        Dump("LinkList", (w, seq) => LinkMessages.GetLink(w, seq, 0, null, dump: true), LinkMessages.Parse);

    /// <summary>= ip link set dev DEV up.</summary>
    public void LinkSetUp(int index) => SetLink("LinkSetUp", index, Rt.IFF_UP, Rt.IFF_UP, null);

    /// <summary>= ip link set dev DEV down.</summary>
    public void LinkSetDown(int index) => SetLink("LinkSetDown", index, 0, Rt.IFF_UP, null);

    /// <summary>= ip link set dev DEV mtu MTU.</summary>
    public void LinkSetMtu(int index, int mtu) => SetLink("LinkSetMtu", index, 0, 0, w => w.PutS32(Rt.IFLA_MTU, mtu));

    /// <summary>= ip link set dev DEV address MAC.</summary>
    public void LinkSetHardwareAddr(int index, PhysicalAddress mac) =>
        SetLink("LinkSetHardwareAddr", index, 0, 0, w => LinkMessages.PutHardwareAddr(w, mac));

    /// <summary>= ip link set dev DEV master MASTER (e.g. enslave a port to a bridge); 0 = nomaster.</summary>
    public void LinkSetMaster(int index, int masterIndex) =>
        SetLink("LinkSetMaster", index, 0, 0, w => w.PutS32(Rt.IFLA_MASTER, masterIndex));

    /// <summary>= ip link set dev DEV name NAME (the link must be down, or the kernel answers EBUSY).</summary>
    public void LinkSetName(int index, string name) =>
        SetLink("LinkSetName", index, 0, 0, w => w.PutString(Rt.IFLA_IFNAME, name));

    /// <summary>
    /// = ip link set dev DEV netns NS. Costs an RCU grace period (~16-20 ms): prefer creating the link in place
    /// with <see cref="LinkSpec.Namespace"/>.
    /// </summary>
    public void LinkSetNsFd(int index, NetNs target)
    {
        SetLink("LinkSetNsFd", index, 0, 0, w => LinkMessages.PutNamespace(w, target));
        GC.KeepAlive(target);
    }

    /// <summary>= ethtool -K IF tx off tso off, in this handle's namespace. Devices without these offloads are left alone.</summary>
    public void DisableOffloads(string ifName) => Ethtool.DisableOffloads(EthtoolSocket, ifName);

    /// <summary>Where a veth's peer is created: null means this handle's namespace.</summary>
    internal static NetNs? PeerNamespace(Veth veth) => veth.PeerNamespace ?? veth.Namespace;

    private static string Describe(int index) => $"ifindex {index}";

    private void SetLink(string operation, int index, uint flags, uint change, Action<NetlinkMessageWriter>? attributes) =>
        Acknowledge(operation, Describe(index), (w, seq) =>
        {
            LinkMessages.BeginSetLink(w, seq, index, flags, change);
            attributes?.Invoke(w);
            w.EndMessage();
        });

    private void AddVxlanFromUnderlay(Vxlan vxlan, NetNs underlay)
    {
        // The device goes where the caller asked, or where this handle lives; the request itself (hence the UDP
        // socket) comes from the underlay namespace.
        using var current = vxlan.Namespace is null && Namespace is null ? NetNs.OpenCurrentThread() : null;
        var target = vxlan.Namespace ?? Namespace ?? current!;
        using var underlayHandle = Open(underlay);
        underlayHandle.Acknowledge("LinkAdd", vxlan.Name, (w, seq) => LinkMessages.NewLink(w, seq, vxlan, target));
        GC.KeepAlive(target);
    }
}
