using Meshnet.Testing;

namespace Meshnet.RealNode.Tests;

/// <summary>
/// The real node these tests run on: the cluster of MESHNET_TEST_KUBECONFIG whose node <c>vm</c> (kubelet + containerd)
/// runs on this machine, as ../shared/k8s starts it with K8S_WITH_KUBELET=1 (installed in MESHNET_TEST_K8S_DIR,
/// default /opt/meshnet-k8s). containerd reads the first conflist of <see cref="CniConfDir"/> and runs plugins from
/// <see cref="CniBinDir"/>; the node's address is 127.0.0.1.
/// </summary>
internal static class Harness
{
    public const string NodeName = "vm";

    public const string NodeIp = "127.0.0.1";

    public const string CniBinDir = "/usr/lib/cni";

    /// <summary>The pods' image: busybox (sh, ip, ping, sleep), present only in the node's containerd.</summary>
    public const string Busybox = "k8s-harness.local/busybox:1";

    public static string? Kubeconfig => Environment.GetEnvironmentVariable("MESHNET_TEST_KUBECONFIG") is { Length: > 0 } path ? path : null;

    public static string Dir => Environment.GetEnvironmentVariable("MESHNET_TEST_K8S_DIR") is { Length: > 0 } dir ? dir : "/opt/meshnet-k8s";

    public static string CniConfDir => Path.Combine(Dir, "cni", "net.d");

    public static string ContainerdSocket => Path.Combine(Dir, "run", "containerd.sock");

    public static string KubectlPath => File.Exists(Path.Combine(Dir, "bin", "kubectl")) ? Path.Combine(Dir, "bin", "kubectl") : "kubectl";

    private static readonly Lazy<string?> Unavailable = new(FindWhyUnavailable);

    /// <summary>Skips the test, saying why and how to run it, unless the real node is there.</summary>
    public static void SkipUnlessAvailable() => Skip.If(Unavailable.Value is not null, Unavailable.Value);

    public static bool Available => Unavailable.Value is null;

    private static string? FindWhyUnavailable()
    {
        const string how = "run `bash .ci/run` with ../shared/k8s present, or start it with K8S_WITH_KUBELET=1 and set MESHNET_TEST_KUBECONFIG (and MESHNET_TEST_K8S_DIR if not /opt/meshnet-k8s)";
        if (!Cmd.IsRoot)
        {
            return $"no real node: needs root; {how}";
        }

        if (Kubeconfig is null)
        {
            return $"no real node: MESHNET_TEST_KUBECONFIG is not set; {how}";
        }

        if (!Directory.Exists(CniConfDir))
        {
            return $"no real node: {CniConfDir} (the node's CNI config dir) does not exist; {how}";
        }

        var ready = Kubectl.Run("get", "node", NodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
        return ready.ExitCode == 0 && ready.Stdout.Trim() == "True"
            ? null
            : $"no real node: node {NodeName} is not Ready on the cluster of MESHNET_TEST_KUBECONFIG ({ready.Stderr.Trim()}{ready.Stdout.Trim()}); {how}";
    }
}
