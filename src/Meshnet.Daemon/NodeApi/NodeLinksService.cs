using Grpc.Core;
using Meshnet.Daemon.Security;
using Meshnet.Model;
using Meshnet.Protocol.V1;

namespace Meshnet.Daemon.NodeApi;

/// <summary>
/// The node-to-node API. Every call is authenticated (the caller is the node its certificate names), validated, and
/// authorized against the store before it does anything; a refused call changes nothing and says why.
/// </summary>
internal sealed partial class NodeLinksService(
    NodeLinkAuthorizer authorizer,
    NodeCertificateValidator validator,
    ILocalLinkQueue queue,
    ILogger<NodeLinksService> logger) : NodeLinks.NodeLinksBase
{
    public override Task<LinkReply> Reconcile(LinkRef request, ServerCallContext context)
    {
        var link = Admit(request, context);
        queue.EnqueueLocalEnd(link.LocalPod.Key);
        LogReconcileQueued(logger, link.PeerPod.Status.NodeName!, LinkRefs.Describe(request), link.LocalPod.Name);
        return Task.FromResult(new LinkReply { Pod = link.LocalPod.Name });
    }

    public override Task<LinkStateReply> GetLinkState(LinkRef request, ServerCallContext context)
    {
        var link = Admit(request, context);
        var status = link.LocalPod.Status.Links.FirstOrDefault(s => s.Uid == request.Uid);
        return Task.FromResult(new LinkStateReply
        {
            Pod = link.LocalPod.Name,
            PodAlive = link.LocalPod.Status.IsAlive,
            State = status?.State switch
            {
                LinkState.Up => LinkEndState.Up,
                LinkState.Failed => LinkEndState.Failed,
                LinkState.Down => LinkEndState.Down,
                _ => LinkEndState.Pending,
            },
            Transport = status?.Transport ?? "",
            Error = status?.Error ?? "",
        });
    }

    /// <summary>Authenticate, validate, authorize, in that order; a refusal is logged with who asked for what.</summary>
    private AuthorizedLink Admit(LinkRef request, ServerCallContext context)
    {
        string caller = "(unauthenticated)";
        try
        {
            caller = CallerIdentity.NodeOf(context, validator);
            LinkRefs.Validate(request);
            return authorizer.Authorize(caller, request);
        }
        catch (RpcException e)
        {
            LogRefused(logger, context.Method, caller, context.Peer, e.StatusCode, e.Status.Detail);
            throw;
        }
    }

    [LoggerMessage(EventId = 600, Level = LogLevel.Debug, Message = "Node {Caller} changed its end of link {Link}; queued {Pod}")]
    private static partial void LogReconcileQueued(ILogger logger, string caller, string link, string pod);

    [LoggerMessage(EventId = 601, Level = LogLevel.Warning, Message = "Refused {Method} from node {Caller} at {Peer}: {Code}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string method, string caller, string peer, StatusCode code, string reason);
}
