using System.Diagnostics;
using Meshnet.Engine;
using Meshnet.Model;
using Meshnet.Netlink;
using Meshnet.Store;

namespace Meshnet.Ctl.Lab;

/// <summary>
/// Single-machine labs: one network namespace per pod, every link plumbed by the engine, everything recorded in the
/// store under the lab's namespace. <c>up</c> converges (twice is a no-op, an edited file is applied as a diff);
/// <c>down</c> removes exactly what <c>up</c> created.
/// </summary>
internal sealed class LabRunner(ITopologyStore store, LinkEngine engine, TextWriter progress, LabOptions options)
{
    /// <summary>
    /// Brings the lab to the given topologies. They must already be validated (see <see cref="LabFile"/>): nothing
    /// here re-checks the file, so an invalid file never gets this far.
    /// </summary>
    public async Task<LabUpResult> UpAsync(string lab, IReadOnlyList<Topology> topologies, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var existing = (await store.ListAsync(lab, ct)).Items.ToDictionary(t => t.Name, StringComparer.Ordinal);
        var wanted = topologies.ToDictionary(t => t.Name, StringComparer.Ordinal);

        var removedPods = existing.Keys.Where(k => !wanted.ContainsKey(k)).ToList();
        foreach (var pod in removedPods)
        {
            NetNs.Delete(LabNames.NetNsName(lab, pod));
            await store.DeleteAsync(new PodKey(lab, pod), ct);
        }

        var created = 0;
        var running = new Dictionary<PodKey, Topology>();
        foreach (var topo in topologies)
        {
            var nsName = LabNames.NetNsName(lab, topo.Name);
            if (!NetNs.Exists(nsName))
            {
                // A pod's loopback is up, as every container runtime leaves it.
                using var ns = NetNs.Create(nsName);
                using var nl = NetlinkHandle.Open(ns);
                nl.LinkSetUp(nl.LinkByName("lo").Index);
                created++;
            }

            await store.ApplyAsync(topo with { Labels = WithLabLabel(topo.Labels, lab) }, ct);
            var alive = await store.PatchStatusAsync(topo.Key, t => t.Status with
            {
                NetNs = NetNs.PathOf(nsName), SrcIp = options.NodeAddress, NodeName = options.NodeName,
            }, ct);
            running[topo.Key] = alive!;
        }

        progress.WriteLine($"lab {lab}: {topologies.Count} pods ({created} new, {removedPods.Count} removed), plumbing links...");
        var reconciler = new TopologyReconciler(store, engine, options.NodeNetNs);
        var (plan, result, _) = await reconciler.ReconcileAsync(running.Values, running, _ => true, ct);

        var failures = result.Failures.ToList();
        foreach (var f in failures)
        {
            progress.WriteLine($"  link {f.Link.Namespace}/uid {f.Link.Uid} failed: {f.Error}");
        }

        progress.WriteLine(
            $"lab {lab}: {plan.Links.Count} links ({result.Created} created, {result.Repaired} repaired, " +
            $"{plan.Links.Count - result.Created - result.Repaired - failures.Count} unchanged, {failures.Count} failed, " +
            $"{plan.Pending.Count} pending) in {clock.Elapsed.TotalSeconds:0.00} s");
        return new LabUpResult(plan.Links.Count, result.Created, result.Repaired, failures.Count, plan.Pending.Count);
    }

    /// <summary>Removes every namespace and store object of the lab. Idempotent; a missing lab is not an error.</summary>
    public async Task<int> DownAsync(string lab, CancellationToken ct)
    {
        var pods = (await store.ListAsync(lab, ct)).Items;
        var prefix = LabNames.NetNsPrefix(lab);
        // Namespaces left by an interrupted run have no store row: find them by their unique prefix too.
        var names = pods.Select(p => LabNames.NetNsName(lab, p.Name))
            .Concat(NetNs.List().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        foreach (var name in names)
        {
            NetNs.Delete(name);
        }

        foreach (var pod in pods)
        {
            await store.DeleteAsync(pod.Key, ct);
        }

        progress.WriteLine($"lab {lab}: removed {names.Count} namespaces and {pods.Count} topologies");
        return names.Count;
    }

    private static Dictionary<string, string> WithLabLabel(IReadOnlyDictionary<string, string> labels, string lab) =>
        new(labels) { [LabNames.LabLabel] = lab };
}

/// <summary>Where and as what node the lab runs.</summary>
/// <param name="NodeNetNs">Path of the namespace that plays the node (macvlan parents live there); empty for this machine's.</param>
internal sealed record LabOptions(string NodeName = "local", string NodeAddress = "127.0.0.1", string NodeNetNs = "");

internal sealed record LabUpResult(int Links, int Created, int Repaired, int Failed, int Pending);
