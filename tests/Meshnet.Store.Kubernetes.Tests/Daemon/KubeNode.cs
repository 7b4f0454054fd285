using System.Text.Json.Nodes;
using Meshnet.Daemon.Tests.Integration;
using Meshnet.Model;
using Meshnet.Store.Kubernetes.Tests.Fixture;
using Meshnet.Testing;

namespace Meshnet.Store.Kubernetes.Tests.Daemon;

/// <summary>
/// One emulated node whose daemon keeps its state in the (fake) cluster: the in-process API server, a kubeconfig for
/// it, the node's directories, a throwaway "host" namespace for the runtime's plugins, the primary CNI config
/// (ptp + host-local), the real meshnetd with <c>--store kubernetes</c>, and a second client of the API server that
/// plays the user (<c>kubectl apply</c>). Pods are namespaces that are always removed.
/// </summary>
internal sealed class KubeNode : IAsyncDisposable
{
    public const string NodeName = "node1";
    public const string NodeIp = "10.99.0.1";

    private readonly List<string> _netns = [];
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];
    private readonly bool _ownsServer;

    private KubeNode(FakeApiServer server, bool ownsServer, Uri daemonApi)
    {
        Server = server;
        _ownsServer = ownsServer;
        Dirs = new NodeDirs();
        HostNs = $"mn-kh-{_id}";
        Cmd.Run("ip", "netns", "add", HostNs).EnsureSuccess();
        _netns.Add(HostNs);
        Cmd.Run("ip", "-n", HostNs, "link", "set", "lo", "up").EnsureSuccess();
        WritePrimaryConfig();
        var kubeconfig = Path.Combine(Dirs.Root, "kubeconfig");
        File.WriteAllText(kubeconfig, Kubeconfig(daemonApi));
        Daemon = new KubeDaemonProcess(Dirs, kubeconfig, NodeName, NodeIp);
    }

    public FakeApiServer Server { get; }

    public NodeDirs Dirs { get; }

    public string HostNs { get; }

    public KubeDaemonProcess Daemon { get; }

    /// <summary>The user's client of the API server (what kubectl or KNE would do).</summary>
    public KubernetesTopologyStore Kubectl { get; private set; } = null!;

    public CniRuntime Runtime { get; private set; } = null!;

    /// <summary>
    /// Starts a node on <paramref name="server"/> (or a new server it owns). The daemon talks to
    /// <paramref name="daemonApi"/> when given (e.g. a proxy in front of the server), else to the server itself.
    /// </summary>
    public static async Task<KubeNode> StartAsync(FakeApiServer? server = null, Uri? daemonApi = null)
    {
        var owns = server is null;
        server ??= await FakeApiServer.StartAsync(bookmarkInterval: TimeSpan.FromMilliseconds(200));
        // What deploy/ creates for the daemon's own objects (the CA Secret, the VNI ConfigMap).
        server.CreateNamespace(KubernetesKeyValueStore.DefaultNamespace);
        var node = new KubeNode(server, owns, daemonApi ?? server.BaseAddress);
        try
        {
            node.Kubectl = await KubernetesTopologyStore.ConnectAsync(server.ClientConfiguration());
            await node.Daemon.StartAsync();
            var merged = Path.Combine(node.Dirs.ConfDir, "00-meshnet.conflist");
            await WaitForAsync(() => File.Exists(merged) && File.Exists(Path.Combine(node.Dirs.BinDir, "meshnet")), "daemon merged the conflist and installed the plugin");
            node.Runtime = new CniRuntime(merged, node.Dirs.BinDir, node.HostNs);
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new pod sandbox: a fresh namespace and container id.</summary>
    public PodSandbox NewPod(string name, string @namespace = "default")
    {
        Server.CreateNamespace(@namespace);
        var ns = $"mn-kp-{_id}-{_netns.Count}";
        Cmd.Run("ip", "netns", "add", ns).EnsureSuccess();
        _netns.Add(ns);
        return new PodSandbox(@namespace, name, Guid.NewGuid().ToString("N"), $"/var/run/netns/{ns}");
    }

    public static string NsName(PodSandbox pod) => Path.GetFileName(pod.NetNs);

    public Task ApplyAsync(string yaml, string @namespace = "default")
    {
        Server.CreateNamespace(@namespace);
        return Task.WhenAll(TopologyParser.ParseYaml(yaml, @namespace).Select(t => Kubectl.ApplyAsync(t)));
    }

    /// <summary>The Topology as the store reads it back.</summary>
    public async Task<Topology> GetAsync(string name, string @namespace = "default") =>
        (await Kubectl.GetAsync(new PodKey(@namespace, name)))!;

    /// <summary>The object's status exactly as the API server stores it (what <c>kubectl get topo -o yaml</c> shows).</summary>
    public JsonObject RawStatus(string name, string @namespace = "default") =>
        Server.Find(CustomResources.TopologyPlural, @namespace, name)?["status"] as JsonObject ?? [];

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

    public static string Kubeconfig(Uri api) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: {api.AbsoluteUri.TrimEnd('/')}
        users:
        - name: fake
          user:
            token: unused-by-the-fake-server
        contexts:
        - name: fake
          context:
            cluster: fake
            user: fake
        current-context: fake
        """;

    private void WritePrimaryConfig()
    {
        var conf = new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = "podnet",
            ["plugins"] = new JsonArray(new JsonObject
            {
                ["type"] = "ptp",
                ["ipMasq"] = false,
                ["ipam"] = new JsonObject
                {
                    ["type"] = "host-local",
                    ["subnet"] = "10.250.0.0/24",
                    ["dataDir"] = Dirs.IpamDir,
                },
            }),
        };
        File.WriteAllText(Path.Combine(Dirs.ConfDir, "10-podnet.conflist"), conf.ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        Daemon.Dispose();
        if (Kubectl is not null)
        {
            await Kubectl.DisposeAsync();
        }

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
