using Meshnet.Cni.Spec;
using Meshnet.Protocol.V1;

namespace Meshnet.Cni.Daemon;

/// <summary>Turns the daemon's answers into the plugin's outcome.</summary>
internal static class DaemonReplies
{
    /// <summary>A non-zero error_code becomes that CNI error, message and details as the daemon wrote them.</summary>
    public static void ThrowIfError(CniReply reply)
    {
        if (reply.ErrorCode != 0)
        {
            throw new CniException(reply.ErrorCode, reply.ErrorMsg, reply.ErrorDetails);
        }
    }

    /// <summary>The daemon is down: only a pod that might need links has to wait for it.</summary>
    public static CniException Unreachable(string socketPath) =>
        new(CniErrorCode.TryAgainLater, $"meshnet daemon not reachable at {socketPath}; try again later");
}
