using Meshnet.Cni.Daemon;
using Meshnet.Cni.Spec;
using Meshnet.Protocol;

namespace Meshnet.Cni.Commands;

/// <summary>
/// ADD: register the pod with the daemon (which plumbs its links), then hand the previous plugin's result on
/// unchanged: meshnet's interfaces are extra links, never the pod's primary network.
/// </summary>
internal static class AddCommand
{
    public static async Task RunAsync(CniInvocation invocation, Stream stdout)
    {
        SpecVersion.RequireSupported(invocation.CniVersion);
        if (invocation.Pod is { } pod)
        {
            await RegisterAsync(invocation, pod);
        }
        // A call without Kubernetes pod arguments cannot name a Topology: pass through.
        CniOutput.WritePassThroughResult(stdout, invocation.Config);
    }

    private static async Task RegisterAsync(CniInvocation invocation, PodRef pod)
    {
        using var daemon = new DaemonClient(invocation.Config.EffectiveDaemonSocket);
        var reply = await daemon.AddAsync(invocation.ToRequest(pod));
        var spool = invocation.Spool;
        if (reply is not null)
        {
            DaemonReplies.ThrowIfError(reply);
            // The daemon knows the pod now; an entry from an earlier, offline attempt is obsolete.
            IoErrors.Wrap("pending pod spool", () => spool.Remove(invocation.Environment.ContainerId));
            return;
        }
        if (OfflineTopologyIndex.MayHaveTopology(invocation.Config.EffectiveStateDir, pod))
        {
            throw DaemonReplies.Unreachable(daemon.SocketPath);
        }
        // Let the pod through, but leave a note so that the daemon can give it links if a Topology appears.
        var env = invocation.Environment;
        IoErrors.Wrap("pending pod spool", () =>
            spool.Write(new PendingPod(pod.Namespace, pod.Name, env.ContainerId, env.Netns, env.IfName)));
    }
}
