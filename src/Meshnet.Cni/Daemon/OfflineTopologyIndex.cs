using Meshnet.Cni.Spec;
using Meshnet.Protocol;

namespace Meshnet.Cni.Daemon;

/// <summary>What the plugin may assume about a pod while the daemon is unreachable.</summary>
internal static class OfflineTopologyIndex
{
    /// <summary>
    /// True when the daemon's last index lists the pod, or when there is no index at all: without one we cannot
    /// tell, and letting a pod with links start without them is worse than asking the runtime to retry.
    /// </summary>
    public static bool MayHaveTopology(string stateDir, PodRef pod)
    {
        string path = Path.Combine(stateDir, TopologyIndexFile.FileName);
        try
        {
            return TopologyIndexFile.Contains(path, pod.Namespace, pod.Name);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniException(CniErrorCode.IoFailure, $"cannot read the topology index {path}", e.Message);
        }
    }
}
