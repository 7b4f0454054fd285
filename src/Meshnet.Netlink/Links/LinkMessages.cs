using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Meshnet.Netlink.Protocol;

namespace Meshnet.Netlink;

/// <summary>Encodes RTM_*LINK requests and decodes RTM_NEWLINK replies. Pure: writer in, bytes out.</summary>
internal static class LinkMessages
{
    private const ushort CreateFlags = Nl.NLM_F_REQUEST | Nl.NLM_F_ACK | Nl.NLM_F_CREATE | Nl.NLM_F_EXCL;
    private const ushort AckFlags = Nl.NLM_F_REQUEST | Nl.NLM_F_ACK;

    /// <summary>One RTM_NEWLINK that creates <paramref name="spec"/> with all its attributes.</summary>
    public static void NewLink(NetlinkMessageWriter writer, uint sequence, LinkSpec spec, NetNs? targetOverride = null)
    {
        writer.BeginMessage(Rt.RTM_NEWLINK, CreateFlags, sequence);
        writer.WriteStruct(new IfInfoMsg { Flags = spec.Up ? Rt.IFF_UP : 0, Change = Rt.IFF_UP });
        WriteCommon(writer, spec.Name, spec.Mtu, spec.HardwareAddr, targetOverride ?? spec.Namespace);
        if (spec is Macvlan macvlan)
        {
            writer.PutS32(Rt.IFLA_LINK, macvlan.ParentIndex);
        }

        var linkInfo = writer.BeginNested(Rt.IFLA_LINKINFO);
        writer.PutString(Rt.IFLA_INFO_KIND, spec.Kind);
        var data = writer.BeginNested(Rt.IFLA_INFO_DATA);
        switch (spec)
        {
            case Veth veth:
                WriteVethPeer(writer, veth, targetOverride ?? spec.Namespace);
                break;
            case Vxlan vxlan:
                WriteVxlan(writer, vxlan);
                break;
            case Macvlan { Mode: var mode }:
                writer.PutU32(Rt.IFLA_MACVLAN_MODE, (uint)mode);
                break;
            case Bridge:
                break;
            default:
                throw new ArgumentException($"Link kind {spec.GetType().Name} is not created over rtnetlink.", nameof(spec));
        }

        writer.EndNested(data);
        writer.EndNested(linkInfo);
        writer.EndMessage();
    }

    /// <summary>
    /// RTM_SETLINK that brings up the link NAME in the sender's namespace. Used for a veth peer: the kernel cannot bring
    /// the peer up inside the creating request (the pair is not linked yet, so opening it fails with ENOTCONN), and
    /// RTM_SETLINK cannot target another namespace, so this goes out on a socket in the peer's namespace.
    /// </summary>
    public static void SetUpByName(NetlinkMessageWriter writer, uint sequence, string name)
    {
        writer.BeginMessage(Rt.RTM_SETLINK, AckFlags, sequence);
        writer.WriteStruct(new IfInfoMsg { Flags = Rt.IFF_UP, Change = Rt.IFF_UP });
        writer.PutString(Rt.IFLA_IFNAME, name);
        writer.EndMessage();
    }

    /// <summary>RTM_DELLINK by index (name null) or by name (index 0).</summary>
    public static void DelLink(NetlinkMessageWriter writer, uint sequence, int index, string? name = null)
    {
        writer.BeginMessage(Rt.RTM_DELLINK, AckFlags, sequence);
        writer.WriteStruct(new IfInfoMsg { Index = index });
        if (name is not null)
        {
            writer.PutString(Rt.IFLA_IFNAME, name);
        }

        writer.EndMessage();
    }

    /// <summary>RTM_SETLINK of one link's device group (IFLA_GROUP).</summary>
    public static void SetGroup(NetlinkMessageWriter writer, uint sequence, int index, uint group)
    {
        BeginSetLink(writer, sequence, index);
        writer.PutU32(Rt.IFLA_GROUP, group);
        writer.EndMessage();
    }

    /// <summary>
    /// RTM_DELLINK of every device in a group (index 0 + IFLA_GROUP): the kernel unregisters them together, paying the
    /// RCU grace period of a device deletion once instead of once per device.
    /// </summary>
    public static void DelGroup(NetlinkMessageWriter writer, uint sequence, uint group)
    {
        writer.BeginMessage(Rt.RTM_DELLINK, AckFlags, sequence);
        writer.WriteStruct(new IfInfoMsg { Index = 0 });
        writer.PutU32(Rt.IFLA_GROUP, group);
        writer.EndMessage();
    }

    /// <summary>RTM_GETLINK for one link (by index or name), or a dump of all links.</summary>
    public static void GetLink(NetlinkMessageWriter writer, uint sequence, int index, string? name, bool dump = false)
    {
        writer.BeginMessage(Rt.RTM_GETLINK, dump ? (ushort)(Nl.NLM_F_REQUEST | Nl.NLM_F_DUMP) : Nl.NLM_F_REQUEST, sequence);
        writer.WriteStruct(new IfInfoMsg { Family = (byte)AddressFamily.Unspecified, Index = index });
        if (name is not null)
        {
            writer.PutString(Rt.IFLA_IFNAME, name);
        }

        writer.EndMessage();
    }

    /// <summary>
    /// Starts an RTM_SETLINK on <paramref name="index"/>; the caller adds attributes and ends the message.
    /// <paramref name="change"/> selects which of <paramref name="flags"/> apply (IFF_UP for up/down).
    /// </summary>
    public static void BeginSetLink(NetlinkMessageWriter writer, uint sequence, int index, uint flags = 0, uint change = 0)
    {
        writer.BeginMessage(Rt.RTM_SETLINK, AckFlags, sequence);
        writer.WriteStruct(new IfInfoMsg { Index = index, Flags = flags, Change = change });
    }

    public static void PutHardwareAddr(NetlinkMessageWriter writer, PhysicalAddress address) =>
        writer.PutBytes(Rt.IFLA_ADDRESS, address.GetAddressBytes());

    public static void PutNamespace(NetlinkMessageWriter writer, NetNs ns) =>
        writer.PutU32(Rt.IFLA_NET_NS_FD, (uint)ns.Handle.DangerousGetHandle());

    /// <summary>Decodes an RTM_NEWLINK / RTM_DELLINK message.</summary>
    public static LinkInfo Parse(in NetlinkMessage message)
    {
        var header = message.ReadStruct<IfInfoMsg>();
        string name = string.Empty, kind = string.Empty;
        int mtu = 0, master = 0;
        int? parent = null, netnsId = null, vni = null, vxlanLink = null;
        IPAddress? vxlanRemote = null;
        PhysicalAddress? mac = null;
        foreach (var attribute in message.AttributesAfter<IfInfoMsg>())
        {
            switch (attribute.Type)
            {
                case Rt.IFLA_IFNAME: name = attribute.String; break;
                case Rt.IFLA_MTU: mtu = attribute.S32; break;
                case Rt.IFLA_ADDRESS: mac = new PhysicalAddress(attribute.Payload.ToArray()); break;
                case Rt.IFLA_LINK: parent = attribute.S32; break;
                case Rt.IFLA_MASTER: master = attribute.S32; break;
                case Rt.IFLA_LINK_NETNSID: netnsId = attribute.S32; break;
                case Rt.IFLA_LINKINFO:
                    foreach (var info in attribute.Nested)
                    {
                        if (info.Type == Rt.IFLA_INFO_KIND)
                        {
                            kind = info.String;
                        }
                        else if (info.Type == Rt.IFLA_INFO_DATA && kind == "vxlan")
                        {
                            (vni, vxlanRemote, vxlanLink) = ReadVxlan(info);
                        }
                    }

                    break;
            }
        }

        return new LinkInfo(
            header.Index,
            name,
            kind,
            mtu,
            mac,
            (header.Flags & Rt.IFF_UP) != 0,
            (header.Flags & Rt.IFF_LOWER_UP) != 0,
            parent,
            netnsId,
            master,
            header.Flags)
        {
            VxlanId = vni,
            VxlanRemote = vxlanRemote,
            VxlanLink = vxlanLink,
        };
    }

    private static (int? Vni, IPAddress? Remote, int? Link) ReadVxlan(NetlinkAttribute data)
    {
        int? vni = null, link = null;
        IPAddress? remote = null;
        foreach (var attribute in data.Nested)
        {
            if (attribute.Type == Rt.IFLA_VXLAN_ID)
            {
                vni = attribute.S32;
            }
            else if (attribute.Type is Rt.IFLA_VXLAN_GROUP or Rt.IFLA_VXLAN_GROUP6)
            {
                remote = AddressCodec.Read(attribute.Payload);
            }
            else if (attribute.Type == Rt.IFLA_VXLAN_LINK && attribute.S32 != 0)
            {
                link = attribute.S32;
            }
        }

        return (vni, remote, link);
    }

    private static void WriteCommon(NetlinkMessageWriter writer, string name, int? mtu, PhysicalAddress? mac, NetNs? ns)
    {
        writer.PutString(Rt.IFLA_IFNAME, name);
        if (mtu is { } m)
        {
            writer.PutS32(Rt.IFLA_MTU, m);
        }

        if (mac is not null)
        {
            PutHardwareAddr(writer, mac);
        }

        if (ns is not null)
        {
            PutNamespace(writer, ns);
        }
    }

    private static void WriteVethPeer(NetlinkMessageWriter writer, Veth veth, NetNs? linkNamespace)
    {
        var peer = writer.BeginNested(Rt.VETH_INFO_PEER);
        // The peer is described by a full ifinfomsg of its own. Its flags stay zero: see SetUpByName.
        writer.WriteStruct(new IfInfoMsg());
        WriteCommon(writer, veth.PeerName, veth.PeerMtu ?? veth.Mtu, veth.PeerHardwareAddr, veth.PeerNamespace ?? linkNamespace);
        writer.EndNested(peer);
    }

    private static void WriteVxlan(NetlinkMessageWriter writer, Vxlan vxlan)
    {
        writer.PutU32(Rt.IFLA_VXLAN_ID, checked((uint)vxlan.Vni));
        if (vxlan.Remote is { } remote)
        {
            AddressCodec.Put(writer, remote.AddressFamily == AddressFamily.InterNetworkV6 ? Rt.IFLA_VXLAN_GROUP6 : Rt.IFLA_VXLAN_GROUP, remote);
        }

        if (vxlan.Local is { } local)
        {
            AddressCodec.Put(writer, local.AddressFamily == AddressFamily.InterNetworkV6 ? Rt.IFLA_VXLAN_LOCAL6 : Rt.IFLA_VXLAN_LOCAL, local);
        }

        if (vxlan.ParentIndex is { } parent)
        {
            writer.PutU32(Rt.IFLA_VXLAN_LINK, checked((uint)parent));
        }

        writer.PutU8(Rt.IFLA_VXLAN_LEARNING, vxlan.Learning ? (byte)1 : (byte)0);
        writer.PutU16BigEndian(Rt.IFLA_VXLAN_PORT, checked((ushort)vxlan.Port));
    }
}
