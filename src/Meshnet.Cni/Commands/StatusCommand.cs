using Meshnet.Cni.Daemon;
using Meshnet.Cni.Spec;
using Meshnet.Protocol.V1;

namespace Meshnet.Cni.Commands;

/// <summary>
/// STATUS (spec 1.1.0): the daemon's answer when it is reachable (it may say 50, not ready). When it is not,
/// we still report ready: ADD keeps working for every pod without a Topology and asks for a retry for the
/// others, whereas a failed STATUS would make the runtime mark the whole node's network not ready.
/// </summary>
internal static class StatusCommand
{
    public static async Task RunAsync(CniInvocation invocation)
    {
        SpecVersion.RequireAtLeast(invocation.CniVersion, "1.1.0", CniEnvironment.Status);
        using var daemon = new DaemonClient(invocation.Config.EffectiveDaemonSocket);
        var reply = await daemon.StatusAsync(new StatusRequest { CniVersion = invocation.CniVersion });
        if (reply is not null)
        {
            DaemonReplies.ThrowIfError(reply);
        }
    }
}
