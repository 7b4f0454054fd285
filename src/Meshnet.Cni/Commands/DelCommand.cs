using Meshnet.Cni.Daemon;
using Meshnet.Cni.Spec;
using Meshnet.Protocol;

namespace Meshnet.Cni.Commands;

/// <summary>
/// DEL: idempotent, and successful whenever it can be. A missing netns or a pod the daemon does not know is success;
/// a daemon that is down gets the DEL spooled (<see cref="PendingPodSpool.ForDeletions"/>) and completes it when it
/// starts, so that the runtime's DEL of the whole chain (ptp's veth and address) is not held up by meshnet.
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
            var env = invocation.Environment;
            IoErrors.Wrap("pending deletion spool", () =>
                PendingPodSpool.ForDeletions(invocation.Config.EffectiveStateDir)
                    .Write(new PendingPod(pod.Namespace, pod.Name, env.ContainerId, env.Netns, env.IfName)));
            return;
        }
        if (reply.ErrorCode != (uint)CniErrorCode.UnknownContainer)
        {
            DaemonReplies.ThrowIfError(reply);
        }
    }
}
