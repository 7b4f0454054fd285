using System.Diagnostics;

namespace Meshnet.RealNode.Tests;

/// <summary>What a pod's main container sees of its links, through <c>kubectl exec</c>.</summary>
internal static class PodLinks
{
    /// <summary>The pod's interfaces other than lo, sorted.</summary>
    public static List<string> Interfaces(string ns, string pod) =>
        [.. Kubectl.Ok(Kubectl.Exec(ns, pod, "ls", "/sys/class/net"), "exec ls").Stdout
            .Split((char[])['\n', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries).Where(n => n != "lo").Order(StringComparer.Ordinal)];

    /// <summary>Interface name → ifindex: a link torn down and rebuilt comes back with another ifindex.</summary>
    public static Dictionary<string, string> IfIndexes(string ns, string pod) =>
        Kubectl.Ok(Kubectl.Exec(ns, pod, "sh", "-c", "for i in /sys/class/net/eth*; do echo ${i##*/} $(cat $i/ifindex); done"), "exec ifindex").Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);

    /// <summary>The addresses the pod cannot ping (one exec for all of them).</summary>
    public static List<string> Unreachable(string ns, string pod, IReadOnlyList<string> addresses)
    {
        if (addresses.Count == 0)
        {
            return [];
        }

        var r = Kubectl.Run(
            ["exec", "-n", ns, pod, "-c", Manifests.MainContainer, "--", "sh", "-c",
             // 64 pings at a time: 1500 one after another take minutes on a loaded machine
             "i=0; for a in \"$@\"; do { ping -c1 -W2 $a >/dev/null 2>&1 || echo $a; } & i=$((i+1)); [ $i -lt 64 ] || { wait; i=0; }; done; wait",
             "sh", .. addresses],
            stdin: null, TimeSpan.FromMinutes(10));
        return r.ExitCode == 0 ? [.. r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)] : [$"(exec failed: {r.Stderr.Trim()})"];
    }

    /// <summary>
    /// Every link carries a ping: its A end pings its B end's address (both ends and the veth between them in one
    /// round trip). Retried a while, since a link may come up after Ready.
    /// </summary>
    public static void AssertEveryLinkPings(string ns, Lab lab, int seconds = 60)
    {
        var deadline = Stopwatch.StartNew();
        var pending = lab.Links.GroupBy(l => l.A).ToDictionary(g => g.Key, g => g.Select(l => l.Address(l.B)).ToList());
        while (true)
        {
            foreach (var pod in pending.Keys.ToList())
            {
                var failed = Unreachable(ns, pod, pending[pod]);
                if (failed.Count == 0)
                {
                    pending.Remove(pod);
                }
                else
                {
                    pending[pod] = failed;
                }
            }

            if (pending.Count == 0)
            {
                return;
            }

            Assert.True(deadline.Elapsed.TotalSeconds < seconds,
                $"unreachable after {seconds} s: {string.Join("; ", pending.Select(p => $"{p.Key} -> {string.Join(' ', p.Value.Take(10))}"))}\n{Kubectl.Describe(ns)}");
            Thread.Sleep(1000);
        }
    }

    /// <summary>Each pod of the lab has exactly eth0 and its links' interfaces.</summary>
    public static void AssertInterfaces(string ns, Lab lab)
    {
        foreach (var pod in lab.Pods)
        {
            var expected = lab.LinksOf(pod).Select(l => l.A == pod ? l.AIntf : l.BIntf).Append("eth0").Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected, Interfaces(ns, pod));
        }
    }
}
