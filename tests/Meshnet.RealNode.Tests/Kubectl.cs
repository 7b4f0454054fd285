using Meshnet.Testing;

namespace Meshnet.RealNode.Tests;

/// <summary>The harness's kubectl on MESHNET_TEST_KUBECONFIG: what a user (or KNE) does to the cluster.</summary>
internal static class Kubectl
{
    public static Cmd.Result Run(params string[] args) => Run(args, stdin: null);

    public static Cmd.Result Run(IEnumerable<string> args, string? stdin, TimeSpan? timeout = null) =>
        Cmd.Run(Harness.KubectlPath, ["--kubeconfig", Harness.Kubeconfig ?? "", .. args], stdin, env: null, timeout ?? TimeSpan.FromMinutes(2));

    /// <summary><c>kubectl apply -f -</c> of <paramref name="yaml"/> in <paramref name="ns"/>; fails the test on an error.</summary>
    public static void Apply(string ns, string yaml) =>
        Ok(Run(["apply", "-n", ns, "-f", "-"], yaml), "apply");

    /// <summary><c>kubectl exec</c> into the pod's main container.</summary>
    public static Cmd.Result Exec(string ns, string pod, params string[] command) =>
        Run(["exec", "-n", ns, pod, "-c", Manifests.MainContainer, "--", .. command], stdin: null);

    /// <summary>Waits until every pod of the namespace is Ready (the kubelet ran the init containers, then main).</summary>
    public static void WaitAllReady(string ns, int expectedPods, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        // `kubectl wait --all` needs the pods to exist first (a StatefulSet creates them one after another).
        while (Names(ns, "pods").Count < expectedPods)
        {
            Assert.True(DateTime.UtcNow < deadline, $"only {Names(ns, "pods").Count} of {expectedPods} pods exist in {ns}");
            Thread.Sleep(500);
        }

        var left = deadline - DateTime.UtcNow;
        var r = Run(["wait", "-n", ns, "--for=condition=Ready", "pod", "--all", $"--timeout={(int)Math.Max(1, left.TotalSeconds)}s"], null, left + TimeSpan.FromSeconds(30));
        Assert.True(r.ExitCode == 0, $"pods of {ns} not Ready within {timeout.TotalSeconds:0} s: {r.Stderr}{r.Stdout}\n{Describe(ns)}");
    }

    public static List<string> Names(string ns, string kind) =>
        [.. Ok(Run("get", kind, "-n", ns, "-o", "name"), "get").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)];

    /// <summary>What went wrong with the pods, for a failure message.</summary>
    public static string Describe(string ns)
    {
        var pods = Run("get", "pods", "-n", ns, "-o", "wide");
        var events = Run("get", "events", "-n", ns, "--sort-by=.lastTimestamp");
        var topos = Run("get", "topologies", "-n", ns);
        return $"{pods.Stdout}\n{events.Stdout.Split('\n').TakeLast(25).Aggregate("", (a, l) => a + l + "\n")}\n{topos.Stdout}";
    }

    public static Cmd.Result Ok(Cmd.Result r, string what)
    {
        Assert.True(r.ExitCode == 0, $"kubectl {what} failed: {r.Stderr}{r.Stdout}");
        return r;
    }
}
