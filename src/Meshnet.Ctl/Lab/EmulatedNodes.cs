using System.Globalization;
using System.Net;
using Meshnet.Netlink;

namespace Meshnet.Ctl.Lab;

/// <summary>
/// N emulated nodes on one machine: a network namespace per node (<c>mnn.LAB.nI</c>), all joined to a bridge in an
/// underlay namespace (<c>mnu.LAB</c>) by veths, each node with an underlay address 172.30.0.(10+I)/24 on an
/// interface with MTU 9000 (so 1500-byte links fit inside VXLAN, as on a real underlay with jumbo frames).
/// Everything lives in namespaces this lab created; the machine's own interfaces are never touched.
/// </summary>
internal sealed class EmulatedNodes(string lab)
{
    public const int UnderlayMtu = 9000;
    private const string UplinkName = "uplink0";
    private const string BridgeName = "br0";

    public string UnderlayNs => $"mnu.{lab}";

    public string NodeNs(int i) => $"mnn.{lab}.n{i.ToString(CultureInfo.InvariantCulture)}";

    public string NodeName(int i) => $"{lab}-n{i.ToString(CultureInfo.InvariantCulture)}";

    public static IPAddress NodeAddress(int i) => IPAddress.Parse($"172.30.0.{(10 + i).ToString(CultureInfo.InvariantCulture)}");

    /// <summary>Node indexes that exist now (1-based).</summary>
    public IReadOnlyList<int> Existing() =>
        NetNs.List().Where(n => n.StartsWith($"mnn.{lab}.n", StringComparison.Ordinal))
            .Select(n => int.TryParse(n[$"mnn.{lab}.n".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var i) ? i : 0)
            .Where(i => i > 0).Order().ToList();

    /// <summary>Creates the underlay and nodes 1..<paramref name="count"/> that do not exist yet. Idempotent.</summary>
    public void Ensure(int count)
    {
        using var underlay = OpenOrCreate(UnderlayNs);
        using var ul = NetlinkHandle.Open(underlay);
        if (!ul.TryLinkByName(BridgeName, out var bridge))
        {
            ul.LinkAdd(new Bridge { Name = BridgeName, Mtu = UnderlayMtu, Up = true });
            bridge = ul.LinkByName(BridgeName);
        }

        for (var i = 1; i <= count; i++)
        {
            if (NetNs.Exists(NodeNs(i)))
            {
                continue;
            }

            using var node = NetNs.Create(NodeNs(i));
            using var nl = NetlinkHandle.Open(node);
            nl.LinkSetUp(nl.LinkByName("lo").Index);
            var port = $"n{i.ToString(CultureInfo.InvariantCulture)}";
            // The node's uplink is created inside the node with its bridge port directly in the underlay (no moves).
            nl.LinkAdd(new Veth { Name = UplinkName, Mtu = UnderlayMtu, Up = true, PeerName = port, PeerNamespace = underlay, PeerMtu = UnderlayMtu, PeerUp = true });
            ul.LinkSetMaster(ul.LinkByName(port).Index, bridge!.Index);
            nl.AddrAdd(nl.LinkByName(UplinkName).Index, new IpPrefix(NodeAddress(i), 24));
        }
    }

    /// <summary>Deletes every node namespace and the underlay.</summary>
    public void Remove()
    {
        foreach (var i in Existing())
        {
            NetNs.Delete(NodeNs(i));
        }

        NetNs.Delete(UnderlayNs);
    }

    private static NetNs OpenOrCreate(string name) => NetNs.Exists(name) ? NetNs.Open(name) : NetNs.Create(name);
}
