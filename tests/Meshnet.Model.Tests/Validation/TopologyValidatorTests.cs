namespace Meshnet.Model.Tests.Validation;

public class TopologyValidatorTests
{
    private static Link L(int uid, string peer, string local = "eth1", string peerIntf = "eth1") =>
        new() { Uid = uid, PeerPod = peer, LocalIntf = local, PeerIntf = peerIntf };

    private static Topology T(string name, params Link[] links) =>
        new() { Namespace = "lab1", Name = name, Spec = new TopologySpec { Links = links } };

    /// <summary>A valid r1/r2 pair with IPs on uid 1; <paramref name="edit"/> changes r2's end.</summary>
    private static Topology[] Pair(Func<Link, Link>? edit = null)
    {
        var a = L(1, "r2") with { LocalIp = "10.0.0.1/24", PeerIp = "10.0.0.2/24" };
        var b = L(1, "r1") with { LocalIp = "10.0.0.2/24", PeerIp = "10.0.0.1/24" };
        return [T("r1", a), T("r2", edit is null ? b : edit(b))];
    }

    private static string OnlyError(params Topology[] all) =>
        Assert.Single(TopologyValidator.Validate(all).Errors).ToString();

    [Fact]
    public void Validate_MirroredPair_IsValid()
    {
        Assert.True(TopologyValidator.Validate(Pair()).IsValid);
    }

    [Fact]
    public void Validate_PeerPodMissingFromSet_IsValidAndPending()
    {
        Assert.True(TopologyValidator.Validate([T("r1", L(1, "r9"))]).IsValid);
    }

    [Fact]
    public void Validate_InvalidPodName_NamesMetadataName()
    {
        Assert.StartsWith("lab1/R_1: metadata.name: \"R_1\" is not a valid name", OnlyError(T("R_1")), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PodNamedLocalhost_IsReserved()
    {
        Assert.Contains("metadata.name: \"localhost\" is reserved", OnlyError(T("localhost")), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InvalidNamespace_NamesMetadataNamespace()
    {
        var t = T("r1") with { Namespace = "Lab.1" };

        Assert.Contains("metadata.namespace: \"Lab.1\" is not a valid namespace", OnlyError(t), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InterfaceNameTooLong_NamesObjectAndField()
    {
        Assert.Equal(
            "lab1/r1: spec.links[0].local_intf: \"eth-very-long-name\" is longer than 15 characters",
            OnlyError(T("r1", L(1, "r2", local: "eth-very-long-name"))));
    }

    [Fact]
    public void Validate_InterfaceNameOf15Bytes_IsValid()
    {
        Assert.True(TopologyValidator.Validate([T("r1", L(1, "r2", local: "eth-0123456789a"))]).IsValid);
    }

    [Fact]
    public void Validate_EmptyInterfaceName_Fails()
    {
        Assert.Contains("spec.links[0].peer_intf: is empty", OnlyError(T("r1", L(1, "r2", peerIntf: ""))), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("eth/1", "'/'")]
    [InlineData("eth 1", "whitespace")]
    [InlineData("eth:1", "':'")]
    public void Validate_InterfaceNameWithForbiddenCharacter_NamesCharacter(string name, string what)
    {
        Assert.Contains($"local_intf: \"{name}\" contains {what}", OnlyError(T("r1", L(1, "r2", local: name))), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".")]
    [InlineData("..")]
    public void Validate_DotInterfaceName_Fails(string name)
    {
        Assert.Contains("is not a valid interface name", OnlyError(T("r1", L(1, "r2", local: name))), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SameLocalInterfaceTwice_NamesSecondLink()
    {
        var error = OnlyError(T("r1", L(1, "r2"), L(2, "r3")));

        Assert.Equal("lab1/r1: spec.links[1].local_intf: \"eth1\" is already used by spec.links[0]", error);
    }

    [Fact]
    public void Validate_NegativeUid_Fails()
    {
        Assert.Contains("spec.links[0].uid: -1 is negative", OnlyError(T("r1", L(-1, "r2"))), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UidUsedByThreeEnds_ReportsEachEnd()
    {
        var errors = TopologyValidator.Validate([T("r1", L(1, "r2")), T("r2", L(1, "r1")), T("r3", L(1, "r1"))]).Errors;

        Assert.Equal(3, errors.Count);
        Assert.All(errors, e => Assert.Contains("1 is used by 3 link ends", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_SameUidInOtherNamespaces_IsValid()
    {
        var other = T("r3", L(1, "r4")) with { Namespace = "lab2" };

        Assert.True(TopologyValidator.Validate([.. Pair(), other]).IsValid);
    }

    [Fact]
    public void Validate_PeerInterfaceDisagrees_NamesPeerIntf()
    {
        var error = OnlyError(Pair(b => b with { PeerIntf = "eth2" }));

        Assert.StartsWith("lab1/r2: spec.links[0].peer_intf: \"eth2\" does not match the other end's local_intf \"eth1\" (lab1/r1 spec.links[0]", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PeerPodDisagrees_NamesPeerPod()
    {
        var all = Pair(b => b with { PeerPod = "r3" });

        Assert.Contains("lab1/r2: spec.links[0].peer_pod: \"r3\" does not match the other end's pod \"r1\"", OnlyError(all), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_IpsNotSwapped_NamesPeerIp()
    {
        var error = OnlyError(Pair(b => b with { PeerIp = "10.0.0.3/24" }));

        Assert.Contains("lab1/r2: spec.links[0].peer_ip: \"10.0.0.3/24\" does not match the other end's local_ip \"10.0.0.1/24\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MtuDisagrees_NamesMtu()
    {
        Assert.Contains("spec.links[0].mtu: 9000 does not match the other end's mtu 1500", OnlyError(Pair(b => b with { Mtu = 9000 })), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MacsNotMirrored_NamesPeerMac()
    {
        var error = OnlyError(Pair(b => b with { PeerMac = "02:00:00:00:00:09" }));

        Assert.Contains("lab1/r2: spec.links[0].peer_mac: \"02:00:00:00:00:09\" does not match the other end's local_mac \"\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PeerInSetWithoutTheUid_Fails()
    {
        var error = OnlyError(T("r1", L(1, "r2")), T("r2", L(2, "r9")));

        Assert.Equal("lab1/r1: spec.links[0].uid: peer lab1/r2 declares no link with uid 1", error);
    }

    [Theory]
    [InlineData("10.0.0.1", "has no prefix length")]
    [InlineData("10.0.0.1/33", "the prefix length must be 0..32")]
    [InlineData("fe80::1/129", "the prefix length must be 0..128")]
    [InlineData("10.0.1/24", "not an IPv4 or IPv6 address")]
    [InlineData("10.0.0.0/24", "is the network address")]
    [InlineData("10.0.0.255/24", "is the broadcast address")]
    public void Validate_BadCidr_NamesLocalIp(string cidr, string problem)
    {
        var error = OnlyError(T("r1", L(1, "r9") with { LocalIp = cidr }));

        Assert.Contains($"spec.links[0].local_ip: \"{cidr}\"", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.1/31")]
    [InlineData("2001:db8::1/64")]
    [InlineData("")]
    public void Validate_GoodOrEmptyCidr_IsValid(string cidr)
    {
        Assert.True(TopologyValidator.Validate([T("r1", L(1, "r9") with { LocalIp = cidr })]).IsValid);
    }

    [Theory]
    [InlineData(67)]
    [InlineData(65536)]
    public void Validate_MtuOutOfRange_NamesMtu(int mtu)
    {
        Assert.Contains($"spec.links[0].mtu: {mtu} is outside 68..65535", OnlyError(T("r1", L(1, "r9") with { Mtu = mtu })), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("02:00:00:00:00", "is not a MAC address")]
    [InlineData("01:00:5e:00:00:01", "is a multicast address")]
    [InlineData("00:00:00:00:00:00", "is the all-zero address")]
    public void Validate_BadMac_NamesLocalMac(string mac, string problem)
    {
        Assert.Contains($"spec.links[0].local_mac: \"{mac}\" {problem}", OnlyError(T("r1", L(1, "r9") with { LocalMac = mac })), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LinkToOwnPodWithBothEnds_IsValid()
    {
        Assert.True(TopologyValidator.Validate(T("r1", L(5, "r1", "eth1", "eth2"), L(5, "r1", "eth2", "eth1"))).IsValid);
    }

    [Fact]
    public void Validate_LinkToOwnPodSameInterface_Fails()
    {
        Assert.Contains("spec.links[0].peer_intf: a link to its own pod must join two different interfaces", OnlyError(T("r1", L(5, "r1"))), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_LinkToOwnPodMissingOtherEnd_Fails()
    {
        Assert.Contains("the other end of this link to its own pod", OnlyError(T("r1", L(5, "r1", "eth1", "eth2"))), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_Macvlan_IsValidWithHostInterface()
    {
        Assert.True(TopologyValidator.Validate(T("r1", L(3, "localhost", "eth1", "enp0s3"))).IsValid);
    }

    [Fact]
    public void Validate_MacvlanUidSharedWithAnotherEnd_Fails()
    {
        var error = OnlyError(T("r1", L(3, "localhost", "eth1", "enp0s3")), T("r2", L(3, "r1")));

        Assert.Contains("lab1/r1: spec.links[0].uid: 3 is a macvlan link (peer_pod: localhost) but is also used by lab1/r2", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MacvlanWithBadHostInterface_NamesPeerIntf()
    {
        Assert.Contains("spec.links[0].peer_intf: \"enp 0\" contains whitespace", OnlyError(T("r1", L(3, "localhost", "eth1", "enp 0"))), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SameObjectTwice_Fails()
    {
        var t = T("r1", L(1, "r9"));

        Assert.Contains("metadata.name: the object is defined more than once", OnlyError(t, t), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsAll()
    {
        var t = T("r1", L(-1, "R2", local: "a/b") with { Mtu = 1, LocalMac = "x" });

        Assert.Equal(5, TopologyValidator.Validate(t).Errors.Count);
    }
}
