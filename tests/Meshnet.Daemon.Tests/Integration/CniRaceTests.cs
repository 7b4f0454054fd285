using Meshnet.Model;
using Meshnet.Testing;
using Xunit;

namespace Meshnet.Daemon.Tests.Integration;

/// <summary>
/// Two CNI operations on linked pods released at the same instant, through the real chain (ptp + host-local +
/// meshnet, each a process) against a real meshnetd, repeated until the race has had every chance to show; the stored
/// status is what is asserted. Each trial uses its own pair of pods (a Topology of many pairs), so the check at the end
/// sees every trial's leftovers at once, after the daemon's last pass.
/// </summary>
public sealed class CniRaceTests
{
    private const int Trials = 200;

    /// <summary>Long enough for every reconcile pass started by a trial to have written its status.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    /// <summary>Pairs a0–b0, a1–b1, …, each with <paramref name="links"/> links (eth1, eth2, …).</summary>
    private static string Pairs(int count, int links = 1)
    {
        var yaml = new TopologyYaml();
        for (var i = 0; i < count; i++)
        {
            for (var l = 1; l <= links; l++)
            {
                yaml.Link($"a{i}", $"eth{l}", $"b{i}", $"eth{l}", $"10.0.{l}.1/24", $"10.0.{l}.2/24", uid: i * links + l);
            }
        }

        return yaml.ToString();
    }

    [SkippableFact]
    public async Task Del_BothPodsAtTheSameInstant_LeavesNoStatusOfEither()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pairs(Trials));
        var failures = new List<string>();

        for (var i = 0; i < Trials; i++)
        {
            var a = node.NewPod($"a{i}");
            var b = node.NewPod($"b{i}");
            Require(node.Runtime.Add(a), $"ADD a{i}");
            Require(node.Runtime.Add(b), $"ADD b{i}");

            var (delA, delB) = await AtTheSameInstant(() => node.Runtime.Del(a), () => node.Runtime.Del(b));

            failures.AddRange(new[] { (delA, $"a{i}"), (delB, $"b{i}") }.Where(d => !d.Item1.Ok).Select(d => $"DEL {d.Item2}: {d.Item1.Stdout}"));
            node.RemovePod(a);
            node.RemovePod(b);
        }

        await Task.Delay(Settle);
        var stale = await StaleAsync(node, Enumerable.Range(0, Trials).SelectMany(i => new[] { $"a{i}", $"b{i}" }));
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(stale.Count == 0, $"{stale.Count} of {2 * Trials} DELeted pods still have status:\n{string.Join('\n', stale.Take(10))}");
    }

    /// <summary>
    /// The meshnet step of an ADD and of its peer's DEL, run together. (In a whole chain the DEL reaches meshnet first
    /// and the ADD last, ptp and host-local in between, so the two would rarely meet.) Three links per pair, as in the
    /// stress run that found it, and the DEL starts 0–35 ms after the ADD, sweeping the window in which the ADD's
    /// pass plans, builds and records the links.
    /// </summary>
    [SkippableFact]
    public async Task Add_WhilePeerIsDeletedAtTheSameInstant_SucceedsAndDeletedPeerHasNoStatus()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        await node.ApplyAsync(Pairs(Trials, links: 3));
        var failures = new List<string>();

        for (var i = 0; i < Trials; i++)
        {
            var a = node.NewPod($"a{i}");
            var b = node.NewPod($"b{i}");
            Require(node.Meshnet("ADD", a), $"ADD a{i}");
            var delay = TimeSpan.FromMilliseconds(i % 8 * 5);

            var (addB, delA) = await AtTheSameInstant(() => node.Meshnet("ADD", b), () =>
            {
                Thread.Sleep(delay);
                return node.Meshnet("DEL", a);
            });

            if (!addB.Ok)
            {
                failures.Add($"ADD b{i} while a{i} was DELeted: {addB.Stdout}");
            }

            if (!delA.Ok)
            {
                failures.Add($"DEL a{i}: {delA.Stdout}");
            }

            node.RemovePod(a);
        }

        await Task.Delay(Settle);
        var stale = await StaleAsync(node, Enumerable.Range(0, Trials).Select(i => $"a{i}"));
        var blamed = new List<string>();
        for (var i = 0; i < Trials; i++)
        {
            var b = (await node.StatusAsync($"b{i}")).Status;
            if (!string.IsNullOrEmpty(b.PlumbingError) || b.Links.Any(l => l.State != LinkState.Pending))
            {
                blamed.Add($"b{i}: links [{string.Join(", ", b.Links.Select(l => $"{l.Intf} {l.State} {l.Error}"))}] plumbing_error '{b.PlumbingError}'");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {2 * Trials} operations failed:\n{string.Join('\n', failures.Take(10))}");
        Assert.True(stale.Count == 0, $"{stale.Count} of {Trials} DELeted pods still have status:\n{string.Join('\n', stale.Take(10))}");
        Assert.True(blamed.Count == 0, $"{blamed.Count} of {Trials} surviving pods do not show their links pending:\n{string.Join('\n', blamed.Take(10))}");
    }

    /// <summary>Runs both on their own threads, released together by a barrier.</summary>
    private static async Task<(CniOutcome, CniOutcome)> AtTheSameInstant(Func<CniOutcome> first, Func<CniOutcome> second)
    {
        using var start = new Barrier(2);
        CniOutcome Run(Func<CniOutcome> op)
        {
            start.SignalAndWait();
            return op();
        }

        var one = Task.Factory.StartNew(() => Run(first), TaskCreationOptions.LongRunning);
        var two = Task.Factory.StartNew(() => Run(second), TaskCreationOptions.LongRunning);
        return (await one, await two);
    }

    private static void Require(CniOutcome outcome, string what)
    {
        if (!outcome.Ok)
        {
            throw new InvalidOperationException($"{what} failed: {outcome.Stdout}{outcome.Stderr}");
        }
    }

    /// <summary>DELeted pods whose status still says anything: alive, a container, or link rows.</summary>
    private static async Task<List<string>> StaleAsync(NodeHarness node, IEnumerable<string> pods)
    {
        var stale = new List<string>();
        foreach (var name in pods)
        {
            var status = (await node.StatusAsync(name)).Status;
            if (status.IsAlive || !string.IsNullOrEmpty(status.ContainerId) || status.Links.Count > 0)
            {
                stale.Add($"{name}: container '{status.ContainerId}' links [{string.Join(", ", status.Links.Select(l => $"{l.Intf} {l.State} {l.Error}"))}]");
            }
        }

        return stale;
    }
}
