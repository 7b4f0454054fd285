using Grpc.Core;
using Meshnet.Daemon.NodeApi;
using Meshnet.Protocol.V1;
using Xunit;

namespace Meshnet.Daemon.Tests.NodeApi;

public sealed class NodeLinkAuthorizerTests : IAsyncLifetime
{
    private NodeApiWorld _world = null!;
    private NodeLinkAuthorizer _authorizer = null!;

    public async Task InitializeAsync()
    {
        _world = await NodeApiWorld.CreateAsync();
        _authorizer = new NodeLinkAuthorizer(_world.Index, NodeApiWorld.ThisNode);
    }

    private static LinkRef Link(int uid) => new() { Namespace = NodeApiWorld.Namespace, Uid = uid };

    [Fact]
    public void Authorize_CallerHoldsTheOtherEnd_ReturnsTheLocalEnd()
    {
        var link = _authorizer.Authorize(NodeApiWorld.PeerNode, Link(0));

        Assert.Equal(("r2", "r1"), (link.LocalPod.Name, link.PeerPod.Name));
    }

    [Fact]
    public void Authorize_CallerIsAThirdNode_PermissionDenied()
    {
        var e = Assert.Throws<RpcException>(() => _authorizer.Authorize("node-c", Link(0)));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public void Authorize_PeerDoesNotDeclareTheLinkBack_PermissionDenied()
    {
        var e = Assert.Throws<RpcException>(() => _authorizer.Authorize(NodeApiWorld.PeerNode, Link(3)));

        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public void Authorize_PodMovedToTheCallersNode_Allowed()
    {
        _world.Cache.Observe(NodeApiWorld.Pod("r3", NodeApiWorld.PeerNode, (1, "r4")) with { ResourceVersion = "100" });

        var link = _authorizer.Authorize(NodeApiWorld.PeerNode, Link(1));

        Assert.Equal("r4", link.LocalPod.Name);
    }

    [Fact]
    public void Authorize_LinkRemovedFromSpec_NotFound()
    {
        _world.Cache.Observe(NodeApiWorld.Pod("r1", NodeApiWorld.PeerNode) with { ResourceVersion = "100" });
        _world.Cache.Observe(NodeApiWorld.Pod("r2", NodeApiWorld.ThisNode) with { ResourceVersion = "100" });

        var e = Assert.Throws<RpcException>(() => _authorizer.Authorize(NodeApiWorld.PeerNode, Link(0)));

        Assert.Equal(StatusCode.NotFound, e.StatusCode);
    }

    public async Task DisposeAsync() => await _world.DisposeAsync();
}
