using CsCheck;

namespace Meshnet.Model.Tests;

/// <summary>CsCheck generators of Topologies, shaped to exercise quoting: numbers, booleans, colons, newlines.</summary>
internal static class TopologyGenerators
{
    private static readonly Gen<string> Name = Gen.String[Gen.Char["abcz019-."], 1, 12];

    private static readonly Gen<string> Intf = Gen.OneOf(
        Gen.String[Gen.Char["abceth0189-_"], 1, 15],
        Gen.OneOf("eth1", "1", "true", "null", "~", "0x1f", "e:1"));

    /// <summary>Any text, including what YAML would read as something other than a string.</summary>
    private static readonly Gen<string> Text = Gen.OneOf(
        Gen.String[Gen.Char["abc 019:#-'\"\\\n\té日{}[],&*!|>%@`"], 0, 20],
        Gen.OneOf("", "null", "~", "true", "no", "1.5", "-1", "0o7", ".inf", "02:00:00:00:00:01", " x ", "- a"));

    private static readonly Gen<Link> Link =
        Gen.Select(
            Gen.Int[-5, 100_000], Name, Intf, Intf, Text.Null(), Text.Null(), Gen.Int[0, 70_000].Nullable(), Text.Null(), Text.Null(),
            (uid, peer, local, peerIntf, localIp, peerIp, mtu, localMac, peerMac) => new Link
            {
                Uid = uid,
                PeerPod = peer,
                LocalIntf = local,
                PeerIntf = peerIntf,
                LocalIp = localIp,
                PeerIp = peerIp,
                Mtu = mtu,
                LocalMac = localMac,
                PeerMac = peerMac,
            });

    private static readonly Gen<LinkStatus> LinkStatus =
        Gen.Select(Gen.Int[0, 1000], Gen.Enum<LinkState>(), Text.Null(), Text.Null())
            .Select(t => new LinkStatus { Uid = t.Item1, State = t.Item2, Transport = t.Item3, Error = t.Item4 });

    private static readonly Gen<TopologyStatus> Status =
        Gen.Select(Text.Null(), Text.Null(), Text.Null(), Text.List[0, 3], Text.Null(), Text.Null(), LinkStatus.List[0, 3])
            .Select(t => new TopologyStatus
            {
                SrcIp = t.Item1,
                NetNs = t.Item2,
                ContainerId = t.Item3,
                Skipped = t.Item4,
                PlumbingError = t.Item5,
                NodeName = t.Item6,
                Links = t.Item7,
            });

    public static readonly Gen<Topology> Topology =
        Gen.Select(Name, Name, Link.List[0, 4], Status, Text.Dictionary(Text)[0, 3], Text.Null(), Gen.Long[0, 1000])
            .Select(t => new Topology
            {
                Namespace = t.Item1,
                Name = t.Item2,
                Spec = new TopologySpec { Links = t.Item3 },
                Status = t.Item4,
                Labels = t.Item5,
                ResourceVersion = t.Item6,
                Generation = t.Item7,
            });
}
