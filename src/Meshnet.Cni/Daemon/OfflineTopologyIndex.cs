using Meshnet.Cni.Spec;
using Meshnet.Protocol;

namespace Meshnet.Cni.Daemon;

/// <summary>What the plugin may assume about a pod while the daemon is unreachable.</summary>
internal static class OfflineTopologyIndex
{
    /// <summary>
    /// True when the daemon's last index lists the pod. No index at all (a daemon that never ran on this node, or a
    /// state directory that was wiped) is not a reason to turn every pod away: the pod passes and is spooled, and the
    /// daemon gives it its links when it starts if it has a Topology.
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
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniException(CniErrorCode.IoFailure, $"cannot read the topology index {path}", e.Message);
        }
    }
}
