namespace Meshnet.Netlink.Protocol;

/// <summary>Message header types and flags from linux/netlink.h and linux/rtnetlink.h.</summary>
internal static class Nl
{
    public const int HeaderLength = 16;
    public const int Alignment = 4;

    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;

    public const ushort NLM_F_REQUEST = 0x1;
    public const ushort NLM_F_MULTI = 0x2;
    public const ushort NLM_F_ACK = 0x4;
    public const ushort NLM_F_DUMP_INTR = 0x10;
    public const ushort NLM_F_ROOT = 0x100;
    public const ushort NLM_F_MATCH = 0x200;
    public const ushort NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    public const ushort NLM_F_REPLACE = 0x100;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;

    // Flags on an NLMSG_ERROR reply.
    public const ushort NLM_F_CAPPED = 0x100;
    public const ushort NLM_F_ACK_TLVS = 0x200;
    public const ushort NLMSGERR_ATTR_MSG = 1;

    public const ushort NLA_F_NESTED = 0x8000;
    public const ushort NLA_TYPE_MASK = 0x3fff;

    public static int Align(int length) => (length + Alignment - 1) & ~(Alignment - 1);
}

/// <summary>rtnetlink message types, attributes and flags.</summary>
internal static class Rt
{
    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_DELLINK = 17;
    public const ushort RTM_GETLINK = 18;
    public const ushort RTM_SETLINK = 19;
    public const ushort RTM_NEWADDR = 20;
    public const ushort RTM_DELADDR = 21;
    public const ushort RTM_GETADDR = 22;
    public const ushort RTM_NEWROUTE = 24;
    public const ushort RTM_DELROUTE = 25;
    public const ushort RTM_GETROUTE = 26;

    public const uint RTMGRP_LINK = 1;

    public const uint IFF_UP = 0x1;
    public const uint IFF_LOWER_UP = 0x10000;

    public const ushort IFLA_ADDRESS = 1;
    public const ushort IFLA_IFNAME = 3;
    public const ushort IFLA_MTU = 4;
    public const ushort IFLA_LINK = 5;
    public const ushort IFLA_MASTER = 10;
    public const ushort IFLA_OPERSTATE = 16;
    public const ushort IFLA_LINKINFO = 18;
    public const ushort IFLA_GROUP = 27;
    public const ushort IFLA_NET_NS_FD = 28;
    public const ushort IFLA_EXT_MASK = 29;
    public const ushort IFLA_LINK_NETNSID = 37;

    public const ushort IFLA_INFO_KIND = 1;
    public const ushort IFLA_INFO_DATA = 2;

    public const ushort VETH_INFO_PEER = 1;

    public const ushort IFLA_VXLAN_ID = 1;
    public const ushort IFLA_VXLAN_GROUP = 2;
    public const ushort IFLA_VXLAN_LINK = 3;
    public const ushort IFLA_VXLAN_LOCAL = 4;
    public const ushort IFLA_VXLAN_LEARNING = 7;
    public const ushort IFLA_VXLAN_PORT = 15;
    public const ushort IFLA_VXLAN_GROUP6 = 16;
    public const ushort IFLA_VXLAN_LOCAL6 = 17;

    public const ushort IFLA_MACVLAN_MODE = 1;

    public const ushort IFA_ADDRESS = 1;
    public const ushort IFA_LOCAL = 2;
    public const ushort IFA_FLAGS = 8;
    public const byte IFA_F_NODAD = 0x02;

    public const ushort RTA_DST = 1;
    public const ushort RTA_OIF = 4;
    public const ushort RTA_GATEWAY = 5;
    public const ushort RTA_PRIORITY = 6;
    public const ushort RTA_PREFSRC = 7;
    public const ushort RTA_TABLE = 15;

    public const byte RTPROT_BOOT = 3;
    public const byte RTN_UNICAST = 1;
}
