namespace Meshnet.Daemon;

/// <summary>How this daemon runs: which store, which node, where the CNI files and sockets live.</summary>
internal sealed record DaemonOptions
{
    /// <summary><c>sqlite:PATH</c> or <c>kubernetes</c>.</summary>
    public required string Store { get; init; }

    public required string NodeName { get; init; }

    /// <summary>The node's address (HOST_IP): recorded as each local pod's <c>src_ip</c>, and the VXLAN source.</summary>
    public required string NodeIp { get; init; }

    /// <summary>The underlay interface VXLAN tunnels leave by (HOST_INTF); null: the one holding <see cref="NodeIp"/>.</summary>
    public string? NodeIntf { get; init; }

    public string CniConfDir { get; init; } = "/etc/cni/net.d";

    public string CniBinDir { get; init; } = "/opt/cni/bin";

    /// <summary>Unix socket the plugin talks to; its directory is made root-only.</summary>
    public string Socket { get; init; } = Protocol.DaemonChannel.DefaultSocketPath;

    /// <summary>Runtime state shared with the plugin: the topology index and the pending-pod spool.</summary>
    public string StateDir { get; init; } = "/run/meshnet";

    /// <summary>TCP port of the HTTP health endpoints (/healthz, /readyz); 0 disables them.</summary>
    public int HealthPort { get; init; }

    /// <summary>Namespace whose interfaces are the node's (macvlan parents); empty: this process's namespace.</summary>
    public string NodeNetNs { get; init; } = "";

    /// <summary>Skip installing the plugin and writing the conflist (labs and tests that drive CNI themselves).</summary>
    public bool ManageCniConfig { get; init; } = true;

    /// <summary>How long ADD waits for its pod's links before answering "try again later".</summary>
    public TimeSpan AddTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often every local pod is reconciled again without any event (0: never).</summary>
    public TimeSpan ResyncInterval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>TCP port of the node-to-node API (GRPC_PORT, mutual TLS); 0 disables it.</summary>
    public int GrpcPort { get; init; } = NodeApi.NodeApiHosting.DefaultPort;

    /// <summary>Where the cluster CA (SQLite mode: shared by every daemon on the machine) and this node's certificate live.</summary>
    public required string PkiDir { get; init; }

    /// <summary>INTER_NODE_LINK_TYPE: how links between pods on different nodes are carried.</summary>
    public InterNodeLinkType InterNodeLinkType { get; init; } = InterNodeLinkType.Vxlan;

    /// <summary>How often moving gRPC wire counters are written to the pods' status (carrier changes are written at once).</summary>
    public TimeSpan WireCounterInterval { get; init; } = TimeSpan.FromSeconds(10);

    public string IndexPath => Path.Combine(StateDir, Protocol.TopologyIndexFile.FileName);
}

/// <summary>INTER_NODE_LINK_TYPE as DESIGN.md names it.</summary>
internal enum InterNodeLinkType
{
    /// <summary>VXLAN tunnels between the nodes' underlay addresses (UDP 4789), the default.</summary>
    Vxlan,

    /// <summary>gRPC wires: frames relayed by the daemons over the mutual-TLS node API (GRPC_PORT).</summary>
    Grpc,
}
