using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Meshnet.Daemon.Tests.Integration;
using Meshnet.Model;
using Meshnet.Store.Kubernetes.Tests.Fixture;
using Meshnet.Store.Kubernetes.Tests.RealCluster;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// One emulated node whose daemon keeps its state in a cluster: the in-process API server (with a kubeconfig for it),
/// or the real cluster of MESHNET_TEST_KUBECONFIG. Around the daemon: the node's directories, a throwaway "host"
/// namespace for the runtime's plugins, the primary CNI config (ptp + host-local), the real meshnetd with
/// <c>--store kubernetes</c>, and a second client of the API server that plays the user (<c>kubectl apply</c>).
/// Pods are namespaces that are always removed. On a real cluster the node has a name and a Kubernetes namespace of
/// its own (<see cref="Namespace"/>), so it never touches anyone else's objects.
/// </summary>
internal sealed class KubeNode : IAsyncDisposable
{
    public const string NodeIp = "10.99.0.1";

    private readonly List<string> _netns = [];
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];
    private readonly FakeApiServer? _server;
    private readonly bool _ownsServer;
    private readonly Func<string, Task> _ensureNamespace;

    /// <param name="kubeconfig">the daemon's kubeconfig; null: one is written for <paramref name="daemonApi"/>.</param>
    private KubeNode(
        FakeApiServer? server, bool ownsServer, Func<string, Task> ensureNamespace, KubernetesClientConfiguration userConfig,
        string? kubeconfig, Uri? daemonApi, string nodeName, string @namespace, IReadOnlyList<string>? daemonArgs = null)
    {
        _server = server;
        _ownsServer = ownsServer;
        _ensureNamespace = ensureNamespace;
        ClientConfig = userConfig;
        NodeName = nodeName;
        Namespace = @namespace;
        Dirs = new NodeDirs();
        HostNs = $"mn-kh-{_id}";
        Cmd.Run("ip", "netns", "add", HostNs).EnsureSuccess();
        _netns.Add(HostNs);
        Cmd.Run("ip", "-n", HostNs, "link", "set", "lo", "up").EnsureSuccess();
        Dirs.WritePrimaryConfig("1.0.0");
        if (kubeconfig is null)
        {
            kubeconfig = Path.Combine(Dirs.Root, "kubeconfig");
            File.WriteAllText(kubeconfig, FakeApiServer.KubeconfigFor(daemonApi!));
        }

        Kubeconfig = kubeconfig;
        Daemon = new KubeDaemonProcess(Dirs, kubeconfig, nodeName, NodeIp, daemonArgs);
    }

    /// <summary>The in-process API server; only for tests that run on it (request counts, dropped watches…).</summary>
    public FakeApiServer Server => _server ?? throw new InvalidOperationException("this node runs on a real cluster, not on the fixture");

    /// <summary>The kubeconfig the daemon uses.</summary>
    public string Kubeconfig { get; }

    /// <summary>How the user's clients reach the API server.</summary>
    public KubernetesClientConfiguration ClientConfig { get; }

    public string NodeName { get; }

    /// <summary>The Kubernetes namespace pods and Topologies go in unless a test names another.</summary>
    public string Namespace { get; }
    public NodeDirs Dirs { get; }

    public string HostNs { get; }

    public KubeDaemonProcess Daemon { get; }

    /// <summary>The user's client of the API server (what kubectl or KNE would do).</summary>
    public KubernetesTopologyStore Kubectl { get; private set; } = null!;

    /// <summary>The user's raw client (the official one), for objects exactly as the API server stores them.</summary>
    public k8s.Kubernetes Client { get; private set; } = null!;

    public CniRuntime Runtime { get; private set; } = null!;

    /// <summary>
    /// Starts a node on <paramref name="server"/> (or a new server it owns). The daemon talks to
    /// <paramref name="daemonApi"/> when given (e.g. a proxy in front of the server), else to the server itself.
    /// </summary>
    /// <param name="daemonArgs">more meshnetd options (default: the node API off).</param>
    public static async Task<KubeNode> StartAsync(FakeApiServer? server = null, Uri? daemonApi = null, IReadOnlyList<string>? daemonArgs = null)
    {
        var owns = server is null;
        server ??= await FakeApiServer.StartAsync(bookmarkInterval: TimeSpan.FromMilliseconds(200));
        var fake = server;
        var node = new KubeNode(server, owns, ns => { fake.CreateNamespace(ns); return Task.CompletedTask; }, server.ClientConfiguration(),
            kubeconfig: null, daemonApi ?? server.BaseAddress, nodeName: "node1", @namespace: "default", daemonArgs);
        return await node.StartDaemonAsync();
    }

    /// <summary>
    /// Starts a node on the real cluster of <paramref name="cluster"/> (skips the test when none is configured): a node
    /// name and a namespace of this node's own, the daemon on the cluster's kubeconfig.
    /// </summary>
    public static async Task<KubeNode> StartOnRealClusterAsync(RealClusterFixture cluster, IReadOnlyList<string>? daemonArgs = null)
    {
        var kubeconfig = RealClusterFixture.Kubeconfig;
        Skip.If(kubeconfig is null, $"set {RealClusterFixture.KubeconfigVariable} to run against a real cluster");
        var id = Guid.NewGuid().ToString("N")[..6];
        var node = new KubeNode(null, false, cluster.EnsureNamespaceAsync, cluster.Config, kubeconfig, daemonApi: null, $"meshnet-test-node-{id}", $"{cluster.Namespace}-{id}", daemonArgs);
        return await node.StartDaemonAsync();
    }

    private async Task<KubeNode> StartDaemonAsync()
    {
        try
        {
            // What deploy/ creates for the daemon's own objects (the CA Secret, the VNI ConfigMap), and this node's namespace.
            await _ensureNamespace(KubernetesKeyValueStore.DefaultNamespace);
            await _ensureNamespace(Namespace);
            Kubectl = await KubernetesTopologyStore.ConnectAsync(ClientConfig);
            Client = new k8s.Kubernetes(ClientConfig);
            await Daemon.StartAsync();
            var merged = Path.Combine(Dirs.ConfDir, "00-meshnet.conflist");
            await WaitForAsync(() => File.Exists(merged) && File.Exists(Path.Combine(Dirs.BinDir, "meshnet")), "daemon merged the conflist and installed the plugin");
            Runtime = new CniRuntime(merged, Dirs.BinDir, HostNs);
            return this;
        }
        catch
        {
            await DisposeAsync();
            throw;
        }
    }

    /// <summary>A new pod sandbox: a fresh namespace and container id.</summary>
    public PodSandbox NewPod(string name, string? @namespace = null)
    {
        @namespace ??= Namespace;
        var ns = $"mn-kp-{_id}-{_netns.Count}";
        Cmd.Run("ip", "netns", "add", ns).EnsureSuccess();
        _netns.Add(ns);
        return new PodSandbox(@namespace, name, Guid.NewGuid().ToString("N"), $"/var/run/netns/{ns}");
    }

    public static string NsName(PodSandbox pod) => Path.GetFileName(pod.NetNs);

    public async Task ApplyAsync(string yaml, string? @namespace = null)
    {
        @namespace ??= Namespace;
        await _ensureNamespace(@namespace);
        await Task.WhenAll(TopologyParser.ParseYaml(yaml, @namespace).Select(t => Kubectl.ApplyAsync(t)));
    }

    /// <summary>Creates a Topology from raw JSON (e.g. exactly as KNE's Go client writes it) in its metadata.namespace.</summary>
    public async Task CreateRawAsync(JsonObject topology)
    {
        var ns = (string)topology["metadata"]!["namespace"]!;
        await _ensureNamespace(ns);
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(topology, CustomResources.Group, CustomResources.Version, ns, CustomResources.TopologyPlural);
    }

    /// <summary>The Topology as the store reads it back.</summary>
    public async Task<Topology> GetAsync(string name, string? @namespace = null) =>
        (await Kubectl.GetAsync(new PodKey(@namespace ?? Namespace, name)))!;

    /// <summary>The object's status exactly as the API server stores it (what <c>kubectl get topo -o yaml</c> shows).</summary>
    public async Task<JsonObject> RawStatusAsync(string name, string? @namespace = null)
    {
        var obj = await Client.CustomObjects.GetNamespacedCustomObjectAsync(CustomResources.Group, CustomResources.Version, @namespace ?? Namespace, CustomResources.TopologyPlural, name);
        return JsonNode.Parse(JsonSerializer.Serialize(obj))?["status"] as JsonObject ?? [];
    }

    public bool Ping(PodSandbox from, string address) => Cmd.Ping(NsName(from), address);

    /// <summary>ip -o link show of one interface in the pod, or null when it does not exist.</summary>
    public static string? Link(PodSandbox pod, string intf)
    {
        var r = Cmd.Run("ip", "-n", NsName(pod), "-o", "link", "show", intf);
        return r.ExitCode == 0 ? r.Stdout : null;
    }

    /// <summary>The interface exists in the pod and carries <paramref name="address"/>.</summary>
    public static bool HasAddress(PodSandbox pod, string intf, string address)
    {
        var r = Cmd.Run("ip", "-n", NsName(pod), "-o", "-4", "addr", "show", "dev", intf);
        return r.ExitCode == 0 && r.Stdout.Contains($" {address}/", StringComparison.Ordinal);
    }

    /// <summary>Names of the pod's interfaces other than lo.</summary>
    public static IReadOnlyList<string> Interfaces(PodSandbox pod) =>
        [.. Cmd.Run("ip", "-n", NsName(pod), "-o", "link", "show").EnsureSuccess().Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(':')[1].Trim().Split('@')[0])
            .Where(n => n != "lo")
            .Order(StringComparer.Ordinal)];

    public static async Task WaitForAsync(Func<bool> condition, string what, int seconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"timed out waiting until {what}");
            }

            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Daemon.Dispose();
        if (Kubectl is not null)
        {
            await Kubectl.DisposeAsync();
        }

        Client?.Dispose();

        foreach (var ns in _netns)
        {
            Cmd.Run("ip", "netns", "del", ns);
        }

        Dirs.Dispose();
        if (_ownsServer)
        {
            await Server.DisposeAsync();
        }
    }
}
