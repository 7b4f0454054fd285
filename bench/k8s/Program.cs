using System.Diagnostics;
using System.Globalization;
using Meshnet.Bench.Kubernetes;
using Meshnet.Model;
using Meshnet.Protocol;
using Meshnet.Protocol.V1;
using Meshnet.Store.Kubernetes;
using Meshnet.Store.Kubernetes.Tests.Fixture;

// The Kubernetes store at scale (issue 5): the real meshnetd on the in-process API server, a lab of 100 Topologies /
// 400 links applied at once, every pod ADDed at once over the daemon's socket (as 100 plugin calls), and the API
// requests the daemon makes for it, counted by the server. Progress on stderr, the table (markdown) on stdout.
var options = BenchOptions.Parse(args);
if (Environment.UserName != "root")
{
    Console.Error.WriteLine("needs root: creates network namespaces and veth pairs");
    return 1;
}

var lab = new BenchTopology(options.Pods, options.Degree, "bench");
var id = Guid.NewGuid().ToString("N")[..6];
var netns = Enumerable.Range(0, lab.Pods).Select(i => $"mnbk-{id}-{i}").ToList();
var dir = Directory.CreateTempSubdirectory("meshnet-k8s-bench-").FullName;
var rows = new List<Row>();
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    await using var server = await FakeApiServer.StartAsync(historyLimit: 1_000_000, bookmarkInterval: TimeSpan.FromSeconds(1), namespaces: [lab.Namespace, "meshnet"]); // meshnet: the daemon's own objects (CA Secret, VNI ConfigMap)
    using var daemon = new BenchDaemon(options.Meshnetd, dir, server.BaseAddress);
    await daemon.StartAsync();
    // The user's side is not what is measured: let it apply as fast as the server takes it.
    await using var kubectl = await KubernetesTopologyStore.ConnectAsync(server.ClientConfiguration(), new KubernetesStoreOptions { Qps = 10_000, Burst = 10_000 });
    IpBatch(netns.Select(n => $"netns add {n}"));
    using var channel = DaemonChannel.ForUnixSocket(daemon.Socket);
    var cni = new CniBackend.CniBackendClient(channel);
    var containers = netns.Select(_ => Guid.NewGuid().ToString("N")).ToArray();
    var topologies = lab.Build();
    Progress($"{lab.Pods} Topologies, {lab.Links} links; meshnetd {options.Meshnetd}");

    // 1. Apply the whole lab at once; done when the daemon's informer has every Topology (its index file lists them).
    server.ResetRequestCounts();
    var clock = Stopwatch.StartNew();
    await Task.WhenAll(topologies.Select(t => kubectl.ApplyAsync(t, stop.Token)));
    await WaitAsync(() => IndexedPods(daemon.IndexPath) == lab.Pods, "the daemon knows every Topology", stop.Token);
    rows.Add(new Row("apply all Topologies (client: GET + POST each)", clock.Elapsed, null, lab.Pods, server.RequestCounts, ClientRequests: server.TotalRequests));

    // 2. ADD every pod at once; done when every status has the pod's netns and all its links up.
    server.ResetRequestCounts();
    clock.Restart();
    var replies = await Task.WhenAll(Enumerable.Range(0, lab.Pods).Select(i => cni.AddAsync(AddRequest(lab, i, containers[i], netns[i]), cancellationToken: stop.Token).ResponseAsync));
    var addsAnswered = clock.Elapsed;
    await WaitAsync(() => Enumerable.Range(0, lab.Pods).All(i => StatusWritten(server, lab, i, containers[i], lab.LinksPerPod)), "every status is written", stop.Token);
    var failed = replies.Count(r => r.ErrorCode != 0);
    rows.Add(new Row($"ADD all pods at once ({failed} ADD errors)", clock.Elapsed, addsAnswered, lab.Pods, server.RequestCounts, ClientRequests: 0));

    // 3. Steady state: nothing changes, so nothing should be asked (bookmarks keep the watch current; no relists).
    server.ResetRequestCounts();
    clock.Restart();
    await Task.Delay(TimeSpan.FromSeconds(options.SteadySeconds), stop.Token);
    rows.Add(new Row($"steady state, {options.SteadySeconds} s idle", clock.Elapsed, null, lab.Pods, server.RequestCounts, ClientRequests: 0));

    // 4. One pod restarts (DEL, then ADD with a new container): the daemon touches that pod and its peers only.
    server.ResetRequestCounts();
    clock.Restart();
    await cni.DelAsync(new CniRequest { PodNamespace = lab.Namespace, PodName = BenchTopology.PodName(0), ContainerId = containers[0], Netns = Path.Combine("/var/run/netns", netns[0]), Ifname = "eth0" }, cancellationToken: stop.Token);
    containers[0] = Guid.NewGuid().ToString("N");
    var readd = await cni.AddAsync(AddRequest(lab, 0, containers[0], netns[0]), cancellationToken: stop.Token);
    await WaitAsync(() => StatusWritten(server, lab, 0, containers[0], lab.LinksPerPod), "the restarted pod's status is written", stop.Token);
    rows.Add(new Row($"one pod restarts: DEL + ADD ({(readd.ErrorCode == 0 ? "ok" : "ADD error")}), {lab.LinksPerPod} peers", clock.Elapsed, null, 1, server.RequestCounts, ClientRequests: 0));

    // 5. One link added to a running lab: both Topologies edited (the client's 2 GET + 2 PATCH are not the daemon's).
    var far = lab.Pods / 2;
    var newLink = (Uid: lab.Links, Intf: $"eth{lab.LinksPerPod + 1}");
    server.ResetRequestCounts();
    clock.Restart();
    await kubectl.ApplyAsync(WithLink(topologies[0], newLink.Uid, BenchTopology.PodName(far), newLink.Intf), stop.Token);
    await kubectl.ApplyAsync(WithLink(topologies[far], newLink.Uid, BenchTopology.PodName(0), newLink.Intf), stop.Token);
    await WaitAsync(() => StatusWritten(server, lab, 0, containers[0], lab.LinksPerPod + 1) && StatusWritten(server, lab, far, containers[far], lab.LinksPerPod + 1), "the new link is up in both statuses", stop.Token);
    rows.Add(new Row("one link added: 2 Topologies edited", clock.Elapsed, null, 2, server.RequestCounts, ClientRequests: 4));

    if (options.DaemonLog is { } log)
    {
        await File.WriteAllTextAsync(log, daemon.Log);
    }

    Console.WriteLine(Row.Table(rows, lab));
    return rows.Any(r => r.Relists > 0) ? 3 : 0;
}
catch (Exception e) when (e is TimeoutException or InvalidOperationException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
finally
{
    IpBatch(netns.Select(n => $"netns del {n}"), ignoreErrors: true);
    Directory.Delete(dir, recursive: true);
}

static CniRequest AddRequest(BenchTopology lab, int i, string container, string netns) => new()
{
    PodNamespace = lab.Namespace,
    PodName = BenchTopology.PodName(i),
    ContainerId = container,
    Netns = Path.Combine("/var/run/netns", netns),
    Ifname = "eth0",
    CniVersion = "1.0.0",
};

static Topology WithLink(Topology t, int uid, string peer, string intf) =>
    t with { Spec = new TopologySpec { Links = [.. t.Spec.Links, new Link { Uid = uid, PeerPod = peer, LocalIntf = intf, PeerIntf = intf, LocalIp = "", PeerIp = "" }] } };

// As the API server stores it: this container registered, `links` entries all up.
static bool StatusWritten(FakeApiServer server, BenchTopology lab, int i, string container, int links)
{
    var status = server.Find(CustomResources.TopologyPlural, lab.Namespace, BenchTopology.PodName(i))?["status"];
    var states = status?["links"]?.AsArray();
    return (string?)status?["container_id"] == container
        && states is not null && states.Count == links
        && states.All(l => string.Equals((string?)l!["state"], "up", StringComparison.OrdinalIgnoreCase));
}

static int IndexedPods(string path)
{
    try
    {
        return File.ReadAllLines(path).Count(l => l.Length > 0);
    }
    catch (IOException)
    {
        return 0;
    }
}

static async Task WaitAsync(Func<bool> done, string what, CancellationToken ct)
{
    var deadline = Stopwatch.StartNew();
    while (!done())
    {
        if (deadline.Elapsed > TimeSpan.FromMinutes(3))
        {
            throw new TimeoutException($"timed out waiting until {what}");
        }

        await Task.Delay(10, ct);
    }
}

static void IpBatch(IEnumerable<string> commands, bool ignoreErrors = false)
{
    var psi = new ProcessStartInfo("ip", ignoreErrors ? "-force -batch -" : "-batch -") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
    using var ip = Process.Start(psi)!;
    ip.StandardInput.Write(string.Join('\n', commands) + "\n");
    ip.StandardInput.Close();
    var errors = ip.StandardError.ReadToEnd();
    ip.WaitForExit();
    if (ip.ExitCode != 0 && !ignoreErrors)
    {
        throw new InvalidOperationException($"ip -batch failed: {errors}");
    }
}

static void Progress(string line) => Console.Error.WriteLine($"{DateTime.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {line}");
