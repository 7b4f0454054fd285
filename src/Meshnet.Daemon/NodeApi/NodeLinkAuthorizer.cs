using Grpc.Core;
using Meshnet.Model;
using Meshnet.Protocol.V1;

namespace Meshnet.Daemon.NodeApi;

/// <summary>This node's end of a link that a peer node is allowed to act on.</summary>
internal sealed record AuthorizedLink(Topology LocalPod, Link LocalEnd, Topology PeerPod);

/// <summary>
/// The node-to-node authorization rule: a caller may act on link (namespace, uid) only when one end of it runs on
/// the caller's node and the other on this node, both as recorded in the store (each end's <c>status.node_name</c>),
/// and the two ends declare each other. The caller's identity comes from its certificate, never from the request.
/// </summary>
internal sealed class NodeLinkAuthorizer(LinkEndIndex index, string thisNode)
{
    /// <summary>
    /// This node's end of <paramref name="link"/> when <paramref name="callerNode"/> holds the other end; otherwise
    /// throws <see cref="StatusCode.NotFound"/> (no pod declares the link) or <see cref="StatusCode.PermissionDenied"/>.
    /// </summary>
    public AuthorizedLink Authorize(string callerNode, LinkRef link)
    {
        var ends = index.Ends(link.Namespace, link.Uid);
        if (ends.Count == 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"link {LinkRefs.Describe(link)} is not declared by any pod known to node {thisNode}"));
        }

        foreach (var (pod, end) in ends.Where(e => e.Pod.Status.NodeName == thisNode))
        {
            var peer = ends.FirstOrDefault(e => e.Pod.Name == end.PeerPod && e.Link.PeerPod == pod.Name);
            if (peer.Pod is not null && peer.Pod.Status.NodeName == callerNode)
            {
                return new AuthorizedLink(pod, end, peer.Pod);
            }
        }

        var where = string.Join(", ", ends.Select(e => $"{e.Pod.Name} on {e.Pod.Status.NodeName ?? "no node"}"));
        throw new RpcException(new Status(StatusCode.PermissionDenied,
            $"node {callerNode} may not act on link {LinkRefs.Describe(link)}: it needs one end on {callerNode} and the other on {thisNode}, but the ends are {where}"));
    }
}
