using Meshnet.Cni.Daemon;
using Meshnet.Cni.Spec;

namespace Meshnet.Cni.Commands;

/// <summary>CHECK (spec 0.4.0 and later): the daemon compares the pod's links with its Topology.</summary>
internal static class CheckCommand
{
    public static async Task RunAsync(CniInvocation invocation)
    {
        SpecVersion.RequireAtLeast(invocation.CniVersion, "0.4.0", CniEnvironment.Check);
        if (invocation.Pod is not { } pod)
        {
            return;
        }
        using var daemon = new DaemonClient(invocation.Config.EffectiveDaemonSocket);
        var reply = await daemon.CheckAsync(invocation.ToRequest(pod));
        if (reply is null)
        {
            if (OfflineTopologyIndex.MayHaveTopology(invocation.Config.EffectiveStateDir, pod))
            {
                throw DaemonReplies.Unreachable(daemon.SocketPath);
            }
            return;
        }
        DaemonReplies.ThrowIfError(reply);
    }
}
