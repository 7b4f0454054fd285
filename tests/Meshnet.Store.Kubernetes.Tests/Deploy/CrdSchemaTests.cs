using System.Text.Json;
using System.Text.Json.Nodes;
using Meshnet.Model;
using YamlDotNet.RepresentationModel;
using static Meshnet.Store.Kubernetes.Tests.Deploy.Kustomize;

namespace Meshnet.Store.Kubernetes.Tests.Deploy;

/// <summary>
/// The API server prunes fields a structural CRD schema does not declare, silently. So every field our JSON writes
/// must be in the schema in deploy/, or it would vanish on the cluster while working on SQLite.
/// </summary>
public sealed class CrdSchemaTests
{
    private static YamlNode Schema(string file) =>
        At(Parse(File.ReadAllText(Path.Combine(DeployDir, "kustomize", "base", file)))[0], "spec", "versions", 0, "schema", "openAPIV3Schema")!;

    /// <summary>Paths (a.b[].c) of every field in <paramref name="json"/> that the schema does not declare.</summary>
    private static List<string> Undeclared(JsonNode json, YamlNode schema, string path = "")
    {
        var missing = new List<string>();
        switch (json)
        {
            case JsonObject o when Str(schema, "x-kubernetes-preserve-unknown-fields") != "true":
                foreach (var (name, value) in o)
                {
                    var field = At(schema, "properties", name);
                    if (field is null)
                    {
                        missing.Add($"{path}.{name}");
                    }
                    else if (value is not null && name != "metadata")
                    {
                        missing.AddRange(Undeclared(value, field, $"{path}.{name}"));
                    }
                }

                break;
            case JsonArray a:
                foreach (var item in a.Where(i => i is not null))
                {
                    missing.AddRange(Undeclared(item!, At(schema, "items")!, path + "[]"));
                }

                break;
        }

        return missing;
    }

    [Theory]
    [InlineData("crd-topologies.yaml", "topologies.networkop.co.uk")]
    [InlineData("crd-gwirekobjs.yaml", "gwirekobjs.networkop.co.uk")]
    public void CrdFile_ReadByTheClient_IsAServedVersionWithStatus(string file, string name)
    {
        // The real-cluster tests install the CRDs exactly this way.
        var crd = k8s.KubernetesYaml.Deserialize<k8s.Models.V1CustomResourceDefinition>(File.ReadAllText(Path.Combine(DeployDir, "kustomize", "base", file)));

        Assert.Equal(name, crd.Metadata.Name);
        Assert.True(crd.Spec.Versions.Single().Served);
        Assert.NotNull(crd.Spec.Versions.Single().Subresources.Status);
    }

    [Fact]
    public void TopologySchema_EveryFieldTheModelWrites_IsDeclared()
    {
        var full = new Topology
        {
            Namespace = "ns",
            Name = "r1",
            Spec = new TopologySpec
            {
                Links = [new Link { Uid = 0, PeerPod = "r2", LocalIntf = "eth1", PeerIntf = "eth1", LocalIp = "10.0.0.1/30", PeerIp = "10.0.0.2/30", Mtu = 9000, LocalMac = "02:00:00:00:00:01", PeerMac = "02:00:00:00:00:02" }],
            },
            Status = new TopologyStatus
            {
                SrcIp = "192.0.2.1", NetNs = "/proc/1/ns/net", ContainerId = "c", Skipped = ["r3"], PlumbingError = "e", NodeName = "n1",
                Links = [new LinkStatus { Uid = 0, Intf = "eth1", State = LinkState.Up, Transport = "veth", Error = "none" }],
            },
        };

        Assert.Empty(Undeclared(JsonNode.Parse(TopologyJson.Serialize(full))!, Schema("crd-topologies.yaml")));
    }

    [Fact]
    public void GWireKObjSchema_EveryFieldTheClassWrites_IsDeclared()
    {
        var wire = new GWireKObj
        {
            Metadata = new() { Name = "node1", NamespaceProperty = "lab" },
            Status = new GWireKObjStatus
            {
                GrpcWireItems =
                [
                    new GrpcWireItem
                    {
                        NodeName = "node1", LinkId = 3, TopoNamespace = "lab", LocalPodNetNs = "/proc/1/ns/net", LocalPodName = "r1", LocalPodIp = "10.1.1.1",
                        LocalPodIfaceName = "eth1", WireIfaceNameOnLocalNode = "gw3", WireIfaceIdOnPeerNode = 17, GwirePeerNodeIp = "192.0.2.2",
                        WireIfaceIdOnLocalNode = 5, GwirePeerNodeName = "node2",
                    },
                ],
            },
        };

        var json = JsonNode.Parse(JsonSerializer.Serialize(wire, WireJsonContext.Default.GWireKObj))!;

        Assert.Empty(Undeclared(json, Schema("crd-gwirekobjs.yaml")));
        Assert.Equal(17, (long?)json["status"]!["grpcWireItems"]![0]!["wire_iface_id_on_peer_node"]);
    }
}
