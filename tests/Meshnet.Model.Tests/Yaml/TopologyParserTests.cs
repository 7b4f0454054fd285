namespace Meshnet.Model.Tests.Yaml;

public class TopologyParserTests
{
    private const string R1 = """
        apiVersion: networkop.co.uk/v1beta1
        kind: Topology
        metadata:
          name: r1
          namespace: lab1
          labels: { lab: demo }
        spec:
          links:
          - uid: 0            # 0 is a valid uid
            peer_pod: r2
            local_intf: eth1
            peer_intf: eth1
            local_ip: 10.0.0.1/24
            peer_ip: 10.0.0.2/24
            mtu: 9000
            local_mac: "02:00:00:00:00:01"
            peer_mac: "02:00:00:00:00:02"
        """;

    private static TopologyParseException ParseFails(string yaml) =>
        Assert.Throws<TopologyParseException>(() => TopologyParser.ParseYaml(yaml, "default", "lab.yaml"));

    [Fact]
    public void ParseYaml_FullTopology_ReadsEveryLinkField()
    {
        var t = Assert.Single(TopologyParser.ParseYaml(R1, "default"));

        var expected = new Link
        {
            Uid = 0,
            PeerPod = "r2",
            LocalIntf = "eth1",
            PeerIntf = "eth1",
            LocalIp = "10.0.0.1/24",
            PeerIp = "10.0.0.2/24",
            Mtu = 9000,
            LocalMac = "02:00:00:00:00:01",
            PeerMac = "02:00:00:00:00:02",
        };
        Assert.Equal(new PodKey("lab1", "r1"), t.Key);
        Assert.Equal("demo", t.Labels["lab"]);
        Assert.Equal(expected, Assert.Single(t.Spec.Links));
    }

    [Fact]
    public void ParseYaml_NoNamespace_UsesDefaultNamespace()
    {
        var yaml = "apiVersion: networkop.co.uk/v1beta1\nkind: Topology\nmetadata: { name: r1 }\nspec: { links: [] }\n";

        Assert.Equal("lab9", Assert.Single(TopologyParser.ParseYaml(yaml, "lab9")).Namespace);
    }

    [Fact]
    public void ParseYaml_MultipleDocumentsWithEmptyOnesAndComments_ReadsAllInOrder()
    {
        var yaml = "# lab\n---\n" + R1 + "\n---\n# nothing here\n---\n" + R1.Replace("name: r1", "name: r2", StringComparison.Ordinal) + "\n---\n";

        var names = TopologyParser.ParseYaml(yaml, "default").Select(t => t.Name);

        Assert.Equal(["r1", "r2"], names);
    }

    [Fact]
    public void ParseYaml_KindList_ReadsItems()
    {
        var yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: networkop.co.uk/v1beta1
              kind: Topology
              metadata: { name: a }
            - apiVersion: networkop.co.uk/v1beta1
              kind: Topology
              metadata: { name: b }
            """;

        Assert.Equal(["a", "b"], TopologyParser.ParseYaml(yaml, "default").Select(t => t.Name));
    }

    [Fact]
    public void ParseYaml_EmptyText_ReturnsNothing()
    {
        Assert.Empty(TopologyParser.ParseYaml("", "default"));
    }

    [Fact]
    public void ParseYaml_OtherKind_NamesDocumentIndexAndKind()
    {
        var e = ParseFails(R1 + "\n---\napiVersion: v1\nkind: Pod\nmetadata: { name: x }\n");

        Assert.Equal(2, e.Document);
        Assert.StartsWith("lab.yaml:", e.Message, StringComparison.Ordinal);
        Assert.Contains("document 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("\"Pod\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_OtherKindInList_NamesItem()
    {
        var e = ParseFails("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Service\n");

        Assert.Contains("items[0].kind: \"Service\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_UnknownLinkField_NamesFieldAndLine()
    {
        var e = ParseFails(R1.Replace("peer_intf: eth1", "peer_inft: eth1", StringComparison.Ordinal));

        Assert.Contains("spec.links[0].peer_inft: unknown field", e.Message, StringComparison.Ordinal);
        Assert.Equal(12, e.Line);
    }

    [Fact]
    public void ParseYaml_UnknownTopLevelField_Fails()
    {
        var e = ParseFails(R1 + "\nspecs: {}\n");

        Assert.Contains("specs: unknown field", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_QuotedUid_FailsAsString()
    {
        var e = ParseFails(R1.Replace("uid: 0", "uid: \"0\"", StringComparison.Ordinal));

        Assert.Contains("spec.links[0].uid: must be an integer, not the string \"0\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_NonNumericUid_Fails()
    {
        var e = ParseFails(R1.Replace("uid: 0", "uid: one", StringComparison.Ordinal));

        Assert.Contains("spec.links[0].uid: \"one\" is not an integer", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_MissingPeerPod_FailsAsRequired()
    {
        var e = ParseFails(R1.Replace("peer_pod: r2", "", StringComparison.Ordinal));

        Assert.Contains("spec.links[0].peer_pod: required", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_MissingName_FailsAsRequired()
    {
        var e = ParseFails("apiVersion: networkop.co.uk/v1beta1\nkind: Topology\nmetadata: { namespace: x }\n");

        Assert.Contains("metadata.name: required", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_WrongApiVersion_Fails()
    {
        var e = ParseFails(R1.Replace("v1beta1", "v1", StringComparison.Ordinal));

        Assert.Contains("apiVersion: \"networkop.co.uk/v1\"", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_MalformedYaml_ReportsLineAndDocument()
    {
        var e = ParseFails(R1 + "\n---\nkind: Topology\n  bad: [\n");

        Assert.Equal(2, e.Document);
        Assert.Equal(20, e.Line);
        Assert.Contains("invalid YAML", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_DuplicateField_Fails()
    {
        var e = ParseFails(R1.Replace("local_intf: eth1", "local_intf: eth1\n    local_intf: eth2", StringComparison.Ordinal));

        Assert.Contains("local_intf", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseYaml_EmptyIp_KeepsEmptyString()
    {
        var t = Assert.Single(TopologyParser.ParseYaml(R1.Replace("local_ip: 10.0.0.1/24", "local_ip: \"\"", StringComparison.Ordinal), "d"));

        Assert.Equal("", t.Spec.Links[0].LocalIp);
    }

    [Fact]
    public void ParseYaml_Status_ReadsAllFields()
    {
        var yaml = R1 + """

            status:
              src_ip: 192.168.1.10
              net_ns: /var/run/netns/r1
              container_id: abc
              skipped: [r3]
              plumbing_error: ""
              node_name: node1
              links: [{ uid: 0, state: Up, transport: veth }]
            """;

        var status = Assert.Single(TopologyParser.ParseYaml(yaml, "d")).Status;

        Assert.Equal("192.168.1.10", status.SrcIp);
        Assert.Equal("/var/run/netns/r1", status.NetNs);
        Assert.Equal("abc", status.ContainerId);
        Assert.Equal(["r3"], status.Skipped);
        Assert.Equal("", status.PlumbingError);
        Assert.Equal("node1", status.NodeName);
        Assert.Equal(new LinkStatus { Uid = 0, State = LinkState.Up, Transport = "veth" }, Assert.Single(status.Links));
    }

    [Fact]
    public void ParseYaml_UnknownLinkState_Fails()
    {
        var e = ParseFails(R1 + "\nstatus: { links: [{ uid: 0, state: \"1\" }] }\n");

        Assert.Contains("status.links[0].state", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToYaml_Topology_QuotesMacsAndParsesBack()
    {
        var t = Assert.Single(TopologyParser.ParseYaml(R1, "default"));

        var yaml = TopologyParser.ToYaml(t);

        Assert.Contains("local_mac: \"02:00:00:00:00:01\"", yaml, StringComparison.Ordinal);
        Assert.Equal(t, Assert.Single(TopologyParser.ParseYaml(yaml, "other")));
    }
}
