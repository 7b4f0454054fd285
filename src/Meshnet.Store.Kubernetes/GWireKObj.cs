using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Meshnet.Store.Kubernetes;

/// <summary>
/// Persisted gRPC-wire state (networkop.co.uk/v1beta1 <c>GWireKObj</c>, as the original meshnet defines it): one
/// object per (topology namespace, node), named after the node, listing the wires that node terminates so that a
/// restarted daemon can reattach them.
/// </summary>
[KubernetesEntity(Group = CustomResources.Group, ApiVersion = CustomResources.Version, Kind = CustomResources.GWireKObjKind, PluralName = CustomResources.GWireKObjPlural)]
public sealed class GWireKObj : IKubernetesObject<V1ObjectMeta>, IStatus<GWireKObjStatus>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CustomResources.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = CustomResources.GWireKObjKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("status")]
    public GWireKObjStatus Status { get; set; } = new();
}

public sealed class GWireKObjStatus
{
    [JsonPropertyName("grpcWireItems")]
    public IList<GrpcWireItem> GrpcWireItems { get; set; } = [];
}

/// <summary>One gRPC wire: the local pod end it serves and the interface id it maps to on the peer node.</summary>
public sealed class GrpcWireItem
{
    [JsonPropertyName("node_name")]
    public string? NodeName { get; set; }

    /// <summary>The link's uid in its topology namespace.</summary>
    [JsonPropertyName("link_id")]
    public long LinkId { get; set; }

    [JsonPropertyName("topo_namespace")]
    public string? TopoNamespace { get; set; }

    [JsonPropertyName("local_pod_net_ns")]
    public string? LocalPodNetNs { get; set; }

    [JsonPropertyName("local_pod_name")]
    public string? LocalPodName { get; set; }

    [JsonPropertyName("local_pod_ip")]
    public string? LocalPodIp { get; set; }

    [JsonPropertyName("local_pod_iface_name")]
    public string? LocalPodIfaceName { get; set; }

    [JsonPropertyName("wire_iface_name_on_local_node")]
    public string? WireIfaceNameOnLocalNode { get; set; }

    [JsonPropertyName("wire_iface_id_on_peer_node")]
    public long WireIfaceIdOnPeerNode { get; set; }

    [JsonPropertyName("gwire_peer_node_ip")]
    public string? GwirePeerNodeIp { get; set; }

    /// <summary>Additive: the id this node assigned to its end (the peer addresses frames with it).</summary>
    [JsonPropertyName("wire_iface_id_on_local_node")]
    public long? WireIfaceIdOnLocalNode { get; set; }

    /// <summary>Additive: the peer node's name (its certificate must name it).</summary>
    [JsonPropertyName("gwire_peer_node_name")]
    public string? GwirePeerNodeName { get; set; }
}

[KubernetesEntity(Group = CustomResources.Group, ApiVersion = CustomResources.Version, Kind = "GWireKObjList", PluralName = CustomResources.GWireKObjPlural)]
public sealed class GWireKObjList : IKubernetesObject<V1ListMeta>, IItems<GWireKObj>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = CustomResources.ApiVersion;

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "GWireKObjList";

    [JsonPropertyName("metadata")]
    public V1ListMeta Metadata { get; set; } = new();

    [JsonPropertyName("items")]
    public IList<GWireKObj> Items { get; set; } = [];
}
