using Meshnet.Cni.Daemon;
using Meshnet.Cni.Spec;

namespace Meshnet.Cni.Commands;

/// <summary>
/// DEL: idempotent. A missing netns or a pod the daemon does not know is success; only a daemon that is down
/// while the pod has a Topology makes the runtime retry (code 11), because its links must be released.
/// </summary>
internal static class DelCommand
{
    public static async Task RunAsync(CniInvocation invocation)
    {
        SpecVersion.RequireSupported(invocation.CniVersion);
        if (invocation.Pod is { } pod)
        {
            await UnregisterAsync(invocation, pod);
        }
        IoErrors.Wrap("pending pod spool", () => invocation.Spool.Remove(invocation.Environment.ContainerId));
    }

    private static async Task UnregisterAsync(CniInvocation invocation, PodRef pod)
    {
        using var daemon = new DaemonClient(invocation.Config.EffectiveDaemonSocket);
        var reply = await daemon.DelAsync(invocation.ToRequest(pod));
        if (reply is null)
        {
            if (OfflineTopologyIndex.MayHaveTopology(invocation.Config.EffectiveStateDir, pod))
            {
                throw DaemonReplies.Unreachable(daemon.SocketPath);
            }
            return;
        }
        if (reply.ErrorCode != (uint)CniErrorCode.UnknownContainer)
        {
            DaemonReplies.ThrowIfError(reply);
        }
    }
}
