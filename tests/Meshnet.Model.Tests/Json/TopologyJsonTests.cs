using CsCheck;

namespace Meshnet.Model.Tests.Json;

public class TopologyJsonTests
{
    private static readonly Topology Sample = new()
    {
        Namespace = "lab1",
        Name = "r1",
        Labels = new Dictionary<string, string> { ["lab"] = "x" },
        Spec = new TopologySpec { Links = [new Link { Uid = 0, PeerPod = "r2", LocalIntf = "eth1", PeerIntf = "eth2", LocalIp = "", Mtu = 9000 }] },
        Status = new TopologyStatus { SrcIp = "10.1.1.1", NetNs = "/run/netns/x", Links = [new LinkStatus { Uid = 0, State = LinkState.Up }] },
        ResourceVersion = "7",
        Generation = 2,
    };

    [Fact]
    public void Serialize_Topology_UsesCrdFieldNames()
    {
        var json = TopologyJson.Serialize(Sample);

        Assert.Contains("\"apiVersion\":\"networkop.co.uk/v1beta1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"resourceVersion\":\"7\"", json, StringComparison.Ordinal);
        Assert.Contains("\"peer_pod\":\"r2\"", json, StringComparison.Ordinal);
        Assert.Contains("\"local_ip\":\"\"", json, StringComparison.Ordinal);
        Assert.Contains("\"src_ip\":\"10.1.1.1\"", json, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"Up\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("is_macvlan", json, StringComparison.Ordinal);
        Assert.DoesNotContain("peer_ip", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Deserialize_AnyTopology_RoundTripsEqual()
    {
        TopologyGenerators.Topology.Sample(t => TopologyJson.Deserialize(TopologyJson.Serialize(t), "x") == t, iter: 1000);
    }

    [Fact]
    public void SerializeLabels_DifferentInsertionOrder_SameText()
    {
        var a = new Dictionary<string, string> { ["b"] = "1", ["a"] = "2" };
        var b = new Dictionary<string, string> { ["a"] = "2", ["b"] = "1" };

        Assert.Equal(TopologyJson.SerializeLabels(a), TopologyJson.SerializeLabels(b));
    }

    [Fact]
    public void DeserializeSpec_SerializedSpec_Equal()
    {
        Assert.Equal(Sample.Spec, TopologyJson.DeserializeSpec(TopologyJson.SerializeSpec(Sample.Spec)));
    }

    [Fact]
    public void SerializeStatus_LinkStates_WritesLinksUpOutOfDeclared()
    {
        var status = new TopologyStatus
        {
            Links = [new LinkStatus { Uid = 0, State = LinkState.Up }, new LinkStatus { Uid = 1, State = LinkState.Pending }, new LinkStatus { Uid = 2, State = LinkState.Up }],
        };

        Assert.Contains("\"links_up\":\"2/3\"", TopologyJson.SerializeStatus(status), StringComparison.Ordinal);
        Assert.DoesNotContain("links_up", TopologyJson.SerializeStatus(new TopologyStatus()), StringComparison.Ordinal);
    }

    [Fact]
    public void DeserializeStatus_StaleLinksUp_IsDerivedFromLinksInstead()
    {
        var status = TopologyJson.DeserializeStatus("""{"links_up":"9/9","links":[{"uid":0,"state":"Pending"}]}""");

        Assert.Equal("0/1", status.LinksUp);
    }

    [Fact]
    public void SerializeList_Topologies_IsKindList()
    {
        Assert.Contains("\"kind\":\"List\"", TopologyJson.SerializeList([Sample]), StringComparison.Ordinal);
    }
}
