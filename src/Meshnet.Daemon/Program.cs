using System.CommandLine;
using System.Net;
using Meshnet.Daemon.Cni;
using Meshnet.Daemon.NodeApi;
using Meshnet.Daemon.Security;
using Meshnet.Daemon.Reconcile;
using Meshnet.Daemon.Topologies;
using Meshnet.Engine;
using Meshnet.Store;
using Meshnet.Store.Kubernetes;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Meshnet.Daemon;

internal static class Program
{
    public static Task<int> Main(string[] args)
    {
        var store = new Option<string>("--store") { Description = "sqlite:PATH or kubernetes", Required = true };
        var node = new Option<string?>("--node") { Description = "This node's name (default: $NODE_NAME, else the host name)" };
        var nodeIp = new Option<string?>("--node-ip") { Description = "This node's address (default: $HOST_IP, else the address of --node-intf, else of the default route's interface)" };
        var nodeIntf = new Option<string?>("--node-intf") { Description = "Underlay interface VXLAN tunnels leave by (default: $HOST_INTF, else the one holding the node's address)" };
        var confDir = new Option<string>("--cni-conf-dir") { DefaultValueFactory = _ => "/etc/cni/net.d" };
        var binDir = new Option<string>("--cni-bin-dir") { DefaultValueFactory = _ => "/opt/cni/bin" };
        var socket = new Option<string>("--socket") { DefaultValueFactory = _ => Protocol.DaemonChannel.DefaultSocketPath, Description = "Unix socket for the plugin" };
        var stateDir = new Option<string>("--state-dir") { DefaultValueFactory = _ => "/run/meshnet" };
        var healthPort = new Option<int>("--health-port") { Description = "TCP port for /healthz and /readyz (0: off)" };
        var nodeNetNs = new Option<string?>("--node-netns") { Description = "Named namespace holding the node's interfaces (macvlan parents); default: this process's" };
        var noCni = new Option<bool>("--no-cni-config") { Description = "Do not install the plugin or write the conflist" };
        var grpcPort = new Option<int?>("--grpc-port") { Description = "Node-to-node API port, mutual TLS (default: $GRPC_PORT, else 51111; 0: off)" };
        var resync = new Option<int>("--resync-seconds") { Description = "Reconcile every local pod again this often without any event (0: never)", DefaultValueFactory = _ => 300 };
        var pkiDir = new Option<string?>("--pki-dir") { Description = "Cluster CA and node certificate directory (default: beside the SQLite file, else /run/meshnet/pki)" };
        var linkType = new Option<string?>("--inter-node-link-type") { Description = "VXLAN or GRPC: how links between pods on different nodes are carried (default: $INTER_NODE_LINK_TYPE, else VXLAN)" };
        var wireCounters = new Option<int>("--wire-counter-seconds") { Description = "How often moving gRPC wire counters are written to the Topology status", DefaultValueFactory = _ => 10 };
        var root = new RootCommand("meshnetd: the meshnet node daemon") { store, node, nodeIp, nodeIntf, confDir, binDir, socket, stateDir, healthPort, nodeNetNs, noCni, grpcPort, resync, pkiDir, linkType, wireCounters };
        root.SetAction((parse, ct) =>
        {
            var underlay = parse.GetValue(nodeIntf) ?? Env("HOST_INTF");
            var nodeNs = parse.GetValue(nodeNetNs) is { Length: > 0 } ns ? Netlink.NetNs.PathOf(ns) : "";
            string address;
            InterNodeLinkType interNode;
            try
            {
                interNode = ParseInterNodeLinkType(parse.GetValue(linkType) ?? Env("INTER_NODE_LINK_TYPE"));
                address = parse.GetValue(nodeIp) ?? Env("HOST_IP") ?? NodeAddress.Detect(underlay, nodeNs);
            }
            catch (Exception e) when (e is InvalidOperationException or Netlink.NetlinkException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return Task.FromResult(2);
            }

            var options = Options(parse, address, underlay, nodeNs) with { InterNodeLinkType = interNode };
            if (interNode == InterNodeLinkType.Grpc && options.GrpcPort <= 0)
            {
                Console.Error.WriteLine("error: INTER_NODE_LINK_TYPE=GRPC carries wires over the node API, which --grpc-port 0 turns off");
                return Task.FromResult(2);
            }

            return RunAsync(options, ct);
        });
        return root.Parse(args).InvokeAsync();

        DaemonOptions Options(ParseResult parse, string address, string? underlay, string nodeNs) => new()
        {
            Store = parse.GetValue(store)!,
            NodeName = parse.GetValue(node) ?? Env("NODE_NAME") ?? Environment.MachineName,
            NodeIp = address,
            NodeIntf = underlay,
            CniConfDir = parse.GetValue(confDir)!,
            CniBinDir = parse.GetValue(binDir)!,
            Socket = parse.GetValue(socket)!,
            StateDir = parse.GetValue(stateDir)!,
            HealthPort = parse.GetValue(healthPort),
            NodeNetNs = nodeNs,
            ManageCniConfig = !parse.GetValue(noCni),
            GrpcPort = parse.GetValue(grpcPort) ?? (int.TryParse(Env("GRPC_PORT"), out var p) ? p : NodeApiHosting.DefaultPort),
            PkiDir = parse.GetValue(pkiDir) ?? DefaultPkiDir(parse.GetValue(store)!),
            ResyncInterval = TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(resync))),
            WireCounterInterval = TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(wireCounters))),
        };
    }

    /// <summary>
    /// INTER_NODE_LINK_TYPE (or --inter-node-link-type) as DESIGN.md names it: VXLAN (the default) or GRPC, in any
    /// case. Anything else is refused at start rather than silently replaced by VXLAN on an underlay that may drop it.
    /// </summary>
    internal static InterNodeLinkType ParseInterNodeLinkType(string? value) => value?.ToUpperInvariant() switch
    {
        null or "" or "VXLAN" => InterNodeLinkType.Vxlan,
        "GRPC" => InterNodeLinkType.Grpc,
        _ => throw new InvalidOperationException($"INTER_NODE_LINK_TYPE=\"{value}\": must be VXLAN or GRPC"),
    };

    /// <summary>Daemons sharing an SQLite store share its CA: the pki directory sits beside the database.</summary>
    private static string DefaultPkiDir(string store) =>
        StoreFactory.IsSqlite(store)
            ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(store[StoreFactory.SqlitePrefix.Length..]))!, "pki")
            : "/run/meshnet/pki";

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;

    private static async Task<int> RunAsync(DaemonOptions options, CancellationToken ct)
    {
        ITopologyStore topologyStore;
        try
        {
            topologyStore = options.Store == "kubernetes"
                ? await KubernetesTopologyStore.ConnectAsync(ct: ct)
                : await StoreFactory.OpenSqliteAsync(options.Store, ct);
        }
        catch (Exception e) when (e is ArgumentException or StoreException or k8s.Exceptions.KubeConfigException)
        {
            await Console.Error.WriteLineAsync($"error: --store {options.Store}: {e.Message}");
            return 2;
        }

        await using var _ = topologyStore;
        ICaSource caSource = topologyStore is KubernetesTopologyStore kubernetes
            ? new KubernetesSecretCaSource(kubernetes.TlsSecrets)
            : new FileCaSource(options.PkiDir);
        NodeTlsMaterial tls;
        try
        {
            tls = await NodeTlsMaterial.LoadAsync(caSource, options.PkiDir, options.NodeName,
                IPAddress.TryParse(options.NodeIp, out var ip) ? [ip] : [], TimeProvider.System, ct);
        }
        catch (Exception e) when (e is InvalidOperationException or StoreException or IOException or UnauthorizedAccessException)
        {
            await Console.Error.WriteLineAsync($"error: cluster CA / node certificate: {e.Message}");
            return 2;
        }

        using var __ = tls;
        var app = Build(options, topologyStore, tls);
        PrepareSocket(options.Socket);
        await app.StartAsync(ct);
        File.SetUnixFileMode(options.Socket, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await app.WaitForShutdownAsync(ct);
        return 0;
    }

    internal static WebApplication Build(DaemonOptions options, ITopologyStore store, NodeTlsMaterial tls)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        // ASP.NET Core and gRPC log every call at Information (request started/finished, endpoint executed): on a busy
        // node most of the log. Our own lines say what happened to each pod; the framework's warnings and errors stay.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.ListenUnixSocket(options.Socket, o => o.Protocols = HttpProtocols.Http2);
            if (options.GrpcPort > 0)
            {
                k.ListenNodeApi(options.GrpcPort, tls);
            }

            if (options.HealthPort > 0)
            {
                k.ListenAnyIP(options.HealthPort, o => o.Protocols = HttpProtocols.Http1);
            }
        });

        var services = builder.Services;
        services.AddGrpc();
        services.AddSingleton(options);
        services.AddSingleton(store);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<TopologyCache>();
        services.AddSingleton<LinkEngine>();
        services.AddSingleton(sp => new TopologyReconciler(store, sp.GetRequiredService<LinkEngine>(), options.NodeNetNs, CrossNodeFor(options, store, sp)));
        services.AddSingleton<WorkQueue>();
        services.AddSingleton<NodeReconciler>();
        services.AddSingleton<CniBackendService>();
        services.AddHostedService<TopologyCacheService>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeReconciler>());
        services.AddHostedService<TopologyIndexWriter>();
        services.AddHostedService<PendingPodAdopter>();
        if (options.ManageCniConfig)
        {
            services.AddHostedService<CniSetupService>();
        }

        services.AddNodeApi(tls);
        if (options.InterNodeLinkType == InterNodeLinkType.Grpc)
        {
            services.AddWireRelay();
            services.AddSingleton<Wires.RelayWireAttachments>();
            services.AddHostedService<Wires.WireCounterRefresher>();
        }

        var app = builder.Build();
        app.MapGrpcService<CniBackendService>();
        app.MapNodeApi();
        if (options.InterNodeLinkType == InterNodeLinkType.Grpc)
        {
            app.MapWireService();
        }

        var cache = app.Services.GetRequiredService<TopologyCache>();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapGet("/readyz", () => cache.IsSynced ? Results.Text("ok") : Results.Text("starting", statusCode: 503));
        return app;
    }

    /// <summary>
    /// Cross-node links need a node address and a place to allocate VNIs (the store's key-value area); gRPC wires
    /// also this node's wire records (GWireKObj / SQLite) and the relay.
    /// </summary>
    private static CrossNodeOptions? CrossNodeFor(DaemonOptions options, ITopologyStore store, IServiceProvider services)
    {
        (IKeyValueStore KeyValues, IWireStore Wires)? stores = store switch
        {
            Store.Sqlite.SqliteTopologyStore sqlite => (sqlite.KeyValues, sqlite.Wires),
            KubernetesTopologyStore kubernetes => (kubernetes.KeyValues, kubernetes.Wires),
            _ => null,
        };
        if (stores is not { } s || !System.Net.IPAddress.TryParse(options.NodeIp, out var address))
        {
            return null;
        }

        return new CrossNodeOptions(address, new VniAllocator(s.KeyValues), options.NodeIntf)
        {
            Wires = options.InterNodeLinkType == InterNodeLinkType.Grpc
                ? new GrpcWireOptions(new WireBook(s.KeyValues, s.Wires, options.NodeName), services.GetRequiredService<Wires.RelayWireAttachments>())
                : null,
        };
    }

    /// <summary>The socket's directory is root-only, so no one else can reach the socket even before its own mode is set.</summary>
    private static void PrepareSocket(string socket)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(socket))!;
        Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (File.Exists(socket))
        {
            File.Delete(socket); // left by a previous run; Kestrel cannot bind over it
        }
    }
}
