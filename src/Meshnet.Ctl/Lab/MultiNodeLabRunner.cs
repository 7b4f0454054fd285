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
/// A lab spread over N emulated nodes, each with its own <c>meshnetd</c> (real VXLAN between nodes): pods are
/// placed round-robin in file order unless a pod's label <c>meshnet.networkop.co.uk/node</c> pins it (<c>n2</c> or
/// <c>2</c>), and each pod is started the way a runtime starts it — its namespace created, then an ADD to its
/// node's daemon, which plumbs its links. Re-running converges; a pod whose node changed is moved (DEL on the old
/// node, ADD on the new one).
/// </summary>
internal sealed class MultiNodeLabRunner(ITopologyStore store, string storeSpec, TextWriter progress)
{
    public const string NodeLabel = "meshnet.networkop.co.uk/node";

    public async Task<LabUpResult> UpAsync(string lab, IReadOnlyList<Topology> topologies, int nodeCount, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var nodes = new EmulatedNodes(lab);
        var daemons = new NodeDaemons(lab, storeSpec, nodes);
        var placement = Place(topologies, nodeCount);

        nodes.Ensure(nodeCount);
        await daemons.EnsureRunningAsync(nodeCount, ct);
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

        var statuses = (await store.ListAsync(lab, ct)).Items;
        var ends = statuses.SelectMany(t => t.Status.Links).ToList();
        var result = new LabUpResult(
            ends.Count(l => l.State != LinkState.Pending), 0, 0, ends.Count(l => l.State == LinkState.Failed), ends.Count(l => l.State == LinkState.Pending));
        progress.WriteLine(
            $"lab {lab}: {topologies.Count} pods on {nodeCount} nodes, {ends.Count(l => l.State == LinkState.Up)} link ends up, " +
            $"{result.Failed} failed, {result.Pending} pending in {clock.Elapsed.TotalSeconds:0.00} s");
        return result with { Failed = result.Failed + failures.Count(f => f is not null) };
    }

    /// <summary>Stops the daemons, removes pods, nodes, underlay, store rows and the lab's VNIs.</summary>
    public async Task<int> DownAsync(string lab, CancellationToken ct)
    {
        var nodes = new EmulatedNodes(lab);
        var stopped = new NodeDaemons(lab, storeSpec, nodes).StopAll();
        var count = nodes.Existing().Count;
        nodes.Remove();
        if (store is SqliteTopologyStore sqlite)
        {
            await new VniAllocator(sqlite.KeyValues).ReleaseNamespaceAsync(lab, ct);
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
