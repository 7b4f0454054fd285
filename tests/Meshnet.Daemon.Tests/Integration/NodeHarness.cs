using System.Text.Json.Nodes;
using Meshnet.Model;
using Meshnet.Store;
using Meshnet.Store.Sqlite;
using Meshnet.Testing;

namespace Meshnet.Daemon.Tests.Integration;

/// <summary>
/// One emulated node for daemon tests: its directories, a throwaway "host" namespace for the runtime's plugins, the
/// node's primary CNI config (ptp + host-local), a running meshnetd that merged meshnet into it, and the store the
/// daemon uses (opened here too, as <c>meshnetctl</c> would). Pods are namespaces that are always removed.
/// </summary>
internal sealed class NodeHarness : IAsyncDisposable
{
    private readonly List<string> _netns = [];
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];

    private NodeHarness(string cniVersion)
    {
        CniVersion = cniVersion;
        Dirs = new NodeDirs();
        HostNs = $"mn-dh-{_id}";
        Cmd.Run("ip", "netns", "add", HostNs).EnsureSuccess();
        _netns.Add(HostNs);
        Cmd.Run("ip", "-n", HostNs, "link", "set", "lo", "up").EnsureSuccess();
        Dirs.WritePrimaryConfig(CniVersion);
        Daemon = new DaemonProcess(Dirs);
    }

    public string CniVersion { get; }

    public NodeDirs Dirs { get; }

    public string HostNs { get; }

    public DaemonProcess Daemon { get; }

    public ITopologyStore Store { get; private set; } = null!;

    public CniRuntime Runtime { get; private set; } = null!;

    public static async Task<NodeHarness> StartAsync(string cniVersion = "1.0.0")
    {
        var h = new NodeHarness(cniVersion);
        try
        {
            h.Store = await SqliteTopologyStore.OpenAsync(h.Dirs.Store);
            await h.Daemon.StartAsync();
            var merged = Path.Combine(h.Dirs.ConfDir, "00-meshnet.conflist");
            await WaitForAsync(() => File.Exists(merged) && File.Exists(Path.Combine(h.Dirs.BinDir, "meshnet")), "daemon merged the conflist and installed the plugin");
            h.Runtime = new CniRuntime(merged, h.Dirs.BinDir, h.HostNs);
            return h;
        }
        catch
        {
            await h.DisposeAsync();
            throw;
        }
    }

    /// <summary>A new pod sandbox: a fresh namespace and container id.</summary>
    public PodSandbox NewPod(string name, string @namespace = "default")
    {
        var ns = $"mn-dp-{_id}-{_netns.Count}";
        Cmd.Run("ip", "netns", "add", ns).EnsureSuccess();
        _netns.Add(ns);
        return new PodSandbox(@namespace, name, Guid.NewGuid().ToString("N"), $"/var/run/netns/{ns}");
    }

    public string NsName(PodSandbox pod) => Path.GetFileName(pod.NetNs);

    /// <summary>
    /// The meshnet plugin alone, called as the last plugin of the chain is (the primary plugin's result as
    /// prevResult).
    /// </summary>
    public CniOutcome Meshnet(string command, PodSandbox pod)
    {
        var config = (JsonObject)Runtime.ConfList["plugins"]!.AsArray().Last()!.DeepClone();
        config["cniVersion"] = CniVersion;
        config["name"] = "podnet";
        config["prevResult"] = new JsonObject { ["cniVersion"] = CniVersion, ["interfaces"] = new JsonArray(new JsonObject { ["name"] = "eth0" }), ["ips"] = new JsonArray() };
        return Runtime.ExecPlugin(command, pod, config);
    }

    /// <summary>Removes the pod's namespace now, as the runtime does once the pod's DEL succeeded.</summary>
    public void RemovePod(PodSandbox pod) => Cmd.Run("ip", "netns", "del", NsName(pod));

    public Task ApplyAsync(string yaml, string @namespace = "default") =>
        Task.WhenAll(TopologyParser.ParseYaml(yaml, @namespace).Select(t => Store.ApplyAsync(t)));

    public async Task<Topology> StatusAsync(string name, string @namespace = "default") =>
        (await Store.GetAsync(new PodKey(@namespace, name)))!;

    public bool Ping(PodSandbox from, string address) => Cmd.Ping(NsName(from), address);

    /// <summary>ip -o link show of one interface in the pod, or null when it does not exist.</summary>
    public string? Link(PodSandbox pod, string intf)
    {
        var r = Cmd.Run("ip", "-n", NsName(pod), "-o", "link", "show", intf);
        return r.ExitCode == 0 ? r.Stdout : null;
    }

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
        if (Store is not null)
        {
            await Store.DisposeAsync();
        }

        foreach (var ns in _netns)
        {
            Cmd.Run("ip", "netns", "del", ns);
        }

        Dirs.Dispose();
    }
}
