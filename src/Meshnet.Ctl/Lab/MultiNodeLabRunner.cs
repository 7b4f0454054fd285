using System.Diagnostics;
using System.Globalization;
using Meshnet.Engine;
using Meshnet.Model;
using Meshnet.Netlink;
using Meshnet.Protocol.V1;
using Meshnet.Store;
using Meshnet.Store.Sqlite;

namespace Meshnet.Ctl.Lab;

/// <summary>
/// A lab spread over N emulated nodes, each with its own <c>meshnetd</c> (real VXLAN or gRPC wires between nodes,
/// as <c>--link-type</c> says): pods are
/// placed round-robin in file order unless a pod's label <c>meshnet.networkop.co.uk/node</c> pins it (<c>n2</c> or
/// <c>2</c>), and each pod is started the way a runtime starts it — its namespace created, then an ADD to its
/// node's daemon, which plumbs its links. Re-running converges; a pod whose node changed is moved (DEL on the old
/// node, ADD on the new one).
/// </summary>
internal sealed class MultiNodeLabRunner(ITopologyStore store, string storeSpec, TextWriter progress)
{
    public const string NodeLabel = "meshnet.networkop.co.uk/node";

    public async Task<LabUpResult> UpAsync(string lab, IReadOnlyList<Topology> topologies, int nodeCount, string linkType, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var nodes = new EmulatedNodes(lab);
        var daemons = new NodeDaemons(lab, storeSpec, nodes);
        var placement = Place(topologies, nodeCount);

        nodes.Ensure(nodeCount);
        foreach (var node in await daemons.EnsureRunningAsync(nodeCount, linkType, ct))
        {
            progress.WriteLine($"lab {lab}: meshnetd of node {nodes.NodeName(node)} was not running: restarted it (its log: {daemons.LogFile(node)})");
        }

        progress.WriteLine($"lab {lab}: {nodeCount} nodes up (underlay {nodes.UnderlayNs}, daemons logging to {daemons.RunDir})");

        var existing = (await store.ListAsync(lab, ct)).Items.ToDictionary(t => t.Name, StringComparer.Ordinal);
        foreach (var gone in existing.Values.Where(t => !placement.ContainsKey(t.Name)))
        {
            await store.DeleteAsync(gone.Key, ct); // its node's daemon removes the links
            NetNs.Delete(LabNames.NetNsName(lab, gone.Name));
        }

        foreach (var t in topologies)
        {
            await store.ApplyAsync(t with { Labels = new Dictionary<string, string>(t.Labels) { [LabNames.LabLabel] = lab } }, ct);
        }

        // Start (ADD) every pod on its node, in parallel as kubelets on different nodes would.
        var failures = await Task.WhenAll(topologies.Select(t => StartPodAsync(lab, t, placement[t.Name], existing.GetValueOrDefault(t.Name), daemons, nodes, ct)));
        foreach (var failure in failures.OfType<string>())
        {
            progress.WriteLine($"  {failure}");
        }

        var notReady = await WaitForLinksAsync(lab, LinkWait, ct);
        if (notReady.Count > 0)
        {
            progress.WriteLine($"  not up after {LinkWait.TotalSeconds:0} s: {string.Join(", ", notReady.Take(10))}{(notReady.Count > 10 ? ", ..." : "")}");
        }

        var statuses = (await store.ListAsync(lab, ct)).Items;
        var ends = statuses.SelectMany(t => t.Status.Links).ToList();
        var result = new LabUpResult(
            ends.Count(l => l.State != LinkState.Pending), 0, 0, ends.Count(l => l.State == LinkState.Failed), ends.Count(l => l.State == LinkState.Pending));
        progress.WriteLine(
            $"lab {lab}: {topologies.Count} pods on {nodeCount} nodes, {ends.Count(l => l.State == LinkState.Up)} link ends up, " +
            $"{result.Failed} failed, {result.Pending} pending in {clock.Elapsed.TotalSeconds:0.00} s");
        return result with { Failed = result.Failed + failures.Count(f => f is not null) };
    }

    /// <summary>How long <c>lab up</c> waits for the far ends of cross-node links after the last ADD returned.</summary>
    private static readonly TimeSpan LinkWait = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Waits until every link both ends declare is up at both ends as the kernel shows it, or has failed (failures are
    /// reported, not waited for). An ADD returns once its own pod's pass is done, but the far end of a cross-node link
    /// is built by the other node's daemon a moment later — and after a move, the peers' VXLAN ends must be pointed at
    /// the new node. Returns the ends still not up when <paramref name="timeout"/> runs out.
    /// </summary>
    private async Task<IReadOnlyList<string>> WaitForLinksAsync(string lab, TimeSpan timeout, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var pods = (await store.ListAsync(lab, ct)).Items.ToDictionary(t => t.Name, StringComparer.Ordinal);
            var notReady = pods.Values.SelectMany(p => EndsNotUp(lab, p, pods)).ToList();
            if (notReady.Count == 0 || clock.Elapsed > timeout)
            {
                return notReady;
            }

            await Task.Delay(50, ct);
        }
    }

    /// <summary>The pod's ends (POD/INTF) of links its peer declares too that are neither failed nor up in the kernel.</summary>
    private static IEnumerable<string> EndsNotUp(string lab, Topology pod, Dictionary<string, Topology> pods)
    {
        var mirrored = pod.Spec.Links
            .Where(l => !l.IsMacvlan && pods.TryGetValue(l.PeerPod, out var peer) && peer.Spec.Links.Any(p => p.Uid == l.Uid))
            .Where(l => pod.Status.Links.FirstOrDefault(s => s.Uid == l.Uid)?.State != LinkState.Failed)
            .ToList();
        if (mirrored.Count == 0)
        {
            return [];
        }

        IReadOnlyList<LinkInfo> devices;
        try
        {
            using var ns = NetNs.Open(LabNames.NetNsName(lab, pod.Name));
            using var nl = NetlinkHandle.Open(ns);
            devices = nl.LinkList();
        }
        catch (Exception e) when (e is NetlinkException or IOException)
        {
            devices = []; // the pod's namespace is being made or moved: not up yet
        }

        var byName = devices.ToDictionary(d => d.Name, StringComparer.Ordinal);
        return mirrored
            .Where(l => pod.Status.Links.FirstOrDefault(s => s.Uid == l.Uid)?.State != LinkState.Up || !IsUpTowardPeer(byName.GetValueOrDefault(l.LocalIntf), pods[l.PeerPod]))
            .Select(l => $"{pod.Name}/{l.LocalIntf}");
    }

    /// <summary>
    /// The device is up and, when it is a VXLAN end, points at the node the peer runs on now; when it is a gRPC wire's
    /// TAP, it has carrier (the relay has bound both ends).
    /// </summary>
    private static bool IsUpTowardPeer(LinkInfo? device, Topology peer) =>
        device is { IsUp: true }
        && (device.Kind != "vxlan" || (System.Net.IPAddress.TryParse(peer.Status.SrcIp, out var node) && node.Equals(device.VxlanRemote)))
        && (device.Kind != "tun" || device.IsLowerUp);

    /// <summary>Stops the daemons, removes pods, nodes, underlay, store rows, the lab's VNIs and its nodes' wire records and ids.</summary>
    public async Task<int> DownAsync(string lab, CancellationToken ct)
    {
        var nodes = new EmulatedNodes(lab);
        var stopped = new NodeDaemons(lab, storeSpec, nodes).StopAll();
        var existing = nodes.Existing();
        var count = existing.Count;
        nodes.Remove();
        if (store is SqliteTopologyStore sqlite)
        {
            await new VniAllocator(sqlite.KeyValues).ReleaseNamespaceAsync(lab, ct);
            foreach (var i in existing)
            {
                // The wires' TAPs went with the pods' namespaces; their records and ids go with the node.
                var book = new WireBook(sqlite.KeyValues, sqlite.Wires, nodes.NodeName(i));
                await book.LoadAsync(ct);
                await book.ForgetAllAsync(ct);
            }
        }

        if (count > 0 || stopped > 0)
        {
            progress.WriteLine($"lab {lab}: stopped {stopped} daemons, removed {count} nodes");
        }

        return count;
    }

    /// <summary>Which node (1-based) each pod runs on.</summary>
    internal static Dictionary<string, int> Place(IReadOnlyList<Topology> topologies, int nodeCount)
    {
        var placement = new Dictionary<string, int>(StringComparer.Ordinal);
        var next = 0;
        foreach (var t in topologies)
        {
            if (t.Labels.TryGetValue(NodeLabel, out var pinned))
            {
                var digits = pinned.StartsWith('n') ? pinned[1..] : pinned;
                if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var node) || node < 1 || node > nodeCount)
                {
                    throw new LabFileException($"{t.Key}: metadata.labels[{NodeLabel}]: \"{pinned}\" is not a node of this lab (n1..n{nodeCount})");
                }

                placement[t.Name] = node;
            }
            else
            {
                placement[t.Name] = (next++ % nodeCount) + 1;
            }
        }

        return placement;
    }

    private static async Task<string?> StartPodAsync(string lab, Topology topo, int node, Topology? before, NodeDaemons daemons, EmulatedNodes nodes, CancellationToken ct)
    {
        var nsName = LabNames.NetNsName(lab, topo.Name);
        var containerId = $"lab-{lab}-{topo.Name}";
        if (before?.Status is { IsAlive: true } status && status.NodeName != nodes.NodeName(node) && NodeIndex(status.NodeName, nodes) is { } oldNode)
        {
            // Moved to another node: its old node lets go of it first, as when Kubernetes reschedules a pod.
            var old = daemons.Client(oldNode, out var oldChannel);
            using (oldChannel)
            {
                await old.DelAsync(Request(lab, topo.Name, containerId, status.NetNs ?? ""), cancellationToken: ct);
            }

            NetNs.Delete(nsName);
        }

        if (!NetNs.Exists(nsName))
        {
            using var created = NetNs.Create(nsName);
            using var nl = NetlinkHandle.Open(created);
            nl.LinkSetUp(nl.LinkByName("lo").Index);
        }

        var client = daemons.Client(node, out var channel);
        using (channel)
        {
            var reply = await client.AddAsync(Request(lab, topo.Name, containerId, NetNs.PathOf(nsName)), cancellationToken: ct);
            return reply.ErrorCode == 0 ? null : $"{lab}/{topo.Name} on {nodes.NodeName(node)}: {reply.ErrorMsg} {reply.ErrorDetails}".TrimEnd();
        }
    }

    private static int? NodeIndex(string? nodeName, EmulatedNodes nodes) =>
        Enumerable.Range(1, 64).Cast<int?>().FirstOrDefault(i => nodes.NodeName(i!.Value) == nodeName);

    private static CniRequest Request(string lab, string pod, string containerId, string netns) => new()
    {
        PodNamespace = lab, PodName = pod, ContainerId = containerId, Netns = netns, Ifname = "eth0", CniVersion = "1.1.0",
    };
}
