using System.Text.Json.Nodes;
using Meshnet.Store.Kubernetes.Tests.Fixture;
using Meshnet.Store.Kubernetes.Tests.KeyValues;

namespace Meshnet.Store.Kubernetes.Tests.Wires;

/// <summary>The wire-record contract over GWireKObjs of the fake API server, plus the objects' exact shape.</summary>
public sealed class KubernetesWireStoreTests : Meshnet.Store.Tests.WireStoreContract, IAsyncLifetime
{
    private FakeApiServer _server = null!;
    private KubernetesTopologyStore _store = null!;

    protected override IWireStore Wires => _store.Wires;

    public async Task InitializeAsync()
    {
        _server = await FakeApiServer.StartAsync(namespaces: ["lab1", "lab2"]);
        _store = await KeyValueClients.ConnectAsync(_server);
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task PutAsync_Record_IsAnItemOfTheNodesObjectWithTheCrdFieldNames()
    {
        await Wires.PutAsync([Record(peerWireId: 42)]);

        var obj = _server.Find(CustomResources.GWireKObjPlural, "lab1", "n1");
        Assert.NotNull(obj);
        var item = Assert.IsType<JsonObject>(Assert.Single(obj["status"]!["grpcWireItems"]!.AsArray()));
        Assert.Equal("n1", (string?)item["node_name"]);
        Assert.Equal(1, (long)item["link_id"]!);
        Assert.Equal("lab1", (string?)item["topo_namespace"]);
        Assert.Equal("/var/run/netns/mn.lab1.r1", (string?)item["local_pod_net_ns"]);
        Assert.Equal("r1", (string?)item["local_pod_name"]);
        Assert.Equal("10.0.0.1/30", (string?)item["local_pod_ip"]);
        Assert.Equal("eth1", (string?)item["local_pod_iface_name"]);
        Assert.Equal("eth1", (string?)item["wire_iface_name_on_local_node"]);
        Assert.Equal(42, (long)item["wire_iface_id_on_peer_node"]!);
        Assert.Equal("172.30.0.12", (string?)item["gwire_peer_node_ip"]);
        Assert.Equal(7, (long)item["wire_iface_id_on_local_node"]!);
        Assert.Equal("n2", (string?)item["gwire_peer_node_name"]);
    }

    [Fact]
    public async Task DeleteAsync_LastItemOfANamespace_DeletesTheObject()
    {
        await Wires.PutAsync([Record(uid: 1), Record(ns: "lab2", uid: 1)]);

        await Wires.DeleteAsync("n1", [new WireKey("lab1", 1)]);

        Assert.Null(_server.Find(CustomResources.GWireKObjPlural, "lab1", "n1"));
        Assert.NotNull(_server.Find(CustomResources.GWireKObjPlural, "lab2", "n1"));
    }

    [Fact]
    public async Task PutAsync_NamespaceMissing_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => Wires.PutAsync([Record(ns: "nowhere")]));
    }
}

/// <summary>RBAC in deploy/ grants on gwirekobjs exactly the verbs the wire store uses (nothing more, nothing less).</summary>
public sealed class WireStoreRbacTests
{
    [Fact]
    public async Task WireStore_EveryOperation_UsesExactlyTheVerbsTheClusterRoleGrants()
    {
        await using var server = await FakeApiServer.StartAsync(namespaces: ["lab1"]);
        await using var store = await KeyValueClients.ConnectAsync(server);
        var record = new WireRecord("n1", "lab1", 1, 7, "r1", "/x", "", "eth1", "n2", "10.0.0.2");
        server.ResetRequestCounts();

        await store.Wires.PutAsync([record]);
        await store.Wires.PutAsync([record with { PeerWireId = 3 }]);
        await store.Wires.ListAsync("n1");
        await store.Wires.DeleteAsync("n1", [record.Key]);

        var verbs = new Dictionary<string, string> { ["GET"] = "get", ["LIST"] = "list", ["WATCH"] = "watch", ["POST"] = "create", ["PUT"] = "update", ["PATCH"] = "patch", ["DELETE"] = "delete" };
        var used = server.RequestCounts.Keys
            .Select(k => k.Split(' '))
            .Select(p => (Resource: p[1], Verb: verbs[p[0]]))
            .ToHashSet();
        Assert.Equal(Granted(CustomResources.GWireKObjPlural).Concat(Granted(CustomResources.GWireKObjPlural + "/status")).ToHashSet(), used);
    }

    /// <summary>(resource, verb) pairs the meshnet ClusterRole grants for <paramref name="resource"/>.</summary>
    private static IEnumerable<(string, string)> Granted(string resource)
    {
        var docs = new YamlDotNet.RepresentationModel.YamlStream();
        docs.Load(new StringReader(File.ReadAllText(Path.Combine(Deploy.Kustomize.DeployDir, "kustomize", "base", "rbac.yaml"))));
        var role = docs.Documents.Select(d => (YamlDotNet.RepresentationModel.YamlMappingNode)d.RootNode)
            .Single(d => d["kind"].ToString() == "ClusterRole");
        foreach (var rule in ((YamlDotNet.RepresentationModel.YamlSequenceNode)role["rules"]).Cast<YamlDotNet.RepresentationModel.YamlMappingNode>())
        {
            var resources = ((YamlDotNet.RepresentationModel.YamlSequenceNode)rule["resources"]).Select(r => r.ToString());
            if (resources.Contains(resource))
            {
                foreach (var verb in (YamlDotNet.RepresentationModel.YamlSequenceNode)rule["verbs"])
                {
                    yield return (resource, verb.ToString());
                }
            }
        }
    }
}
