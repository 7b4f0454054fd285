using System.Net;
using Meshnet.Daemon.NodeApi;
using Meshnet.Daemon.Reconcile;
using Meshnet.Daemon.Security;
using Meshnet.Daemon.Tests.Security;
using Meshnet.Daemon.Topologies;
using Meshnet.Model;
using Meshnet.Store.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Meshnet.Daemon.Tests.NodeApi;

/// <summary>
/// A small cluster as node-b sees it: one CA, certificates for node-a and node-b, and a topology cache holding,
/// in namespace "lab",
///   uid 0: r1 on node-a ↔ r2 on node-b  (node-a may act on it at node-b)
///   uid 1: r3 on node-c ↔ r4 on node-b  (node-a has no end)
///   uid 2: r5 on node-b ↔ r6 on node-b  (both ends local)
///   uid 3: r7 on node-a → r2, which does not declare uid 3 back.
/// </summary>
internal sealed class NodeApiWorld : IAsyncDisposable
{
    public const string Namespace = "lab";
    public const string ThisNode = "node-b";
    public const string PeerNode = "node-a";

    private readonly TestDirectory _dir;
    private readonly SqliteTopologyStore _store;

    private NodeApiWorld(TestDirectory dir, SqliteTopologyStore store, ClusterCa ca)
    {
        _dir = dir;
        _store = store;
        Ca = ca;
        Cache = new TopologyCache(store, NullLogger<TopologyCache>.Instance, TimeProvider.System);
        ThisNodeTls = TlsFor(ThisNode);
        PeerNodeTls = TlsFor(PeerNode);
        foreach (var pod in Pods())
        {
            Cache.Observe(pod);
        }

        Index = new LinkEndIndex(Cache);
        PeerClients = new NodeLinksClientFactory(PeerNodeTls);
    }

    public ClusterCa Ca { get; }

    public TopologyCache Cache { get; }

    public WorkQueue Queue { get; } = new();

    public NodeTlsMaterial ThisNodeTls { get; }

    public NodeTlsMaterial PeerNodeTls { get; }

    public LinkEndIndex Index { get; }

    /// <summary>node-a's clients, for calling node-b.</summary>
    public NodeLinksClientFactory PeerClients { get; }

    public static async Task<NodeApiWorld> CreateAsync()
    {
        var dir = new TestDirectory();
        var store = await SqliteTopologyStore.OpenAsync(dir.File("store.db"));
        return new NodeApiWorld(dir, store, SecurityFixtures.NewCa());
    }

    public NodeTlsMaterial TlsFor(string node, ClusterCa? ca = null)
    {
        ca ??= Ca;
        return NodeTlsMaterial.FromCa(ca, NodeCertificates.Issue(ca, node, [IPAddress.Loopback], TimeProvider.System), node, TimeProvider.System);
    }

    /// <summary>What has been queued since the last call (empty when nothing was).</summary>
    public IReadOnlyCollection<PodKey> TakeQueued()
    {
        try
        {
            return Queue.TakeAllAsync(new CancellationToken(canceled: true)).GetAwaiter().GetResult().Keys;
        }
        catch (OperationCanceledException)
        {
            return [];
        }
    }

    public static Topology Pod(string name, string node, params (int Uid, string Peer)[] links) => new()
    {
        Namespace = Namespace,
        Name = name,
        Spec = new TopologySpec
        {
            Links = [.. links.Select(l => new Link { Uid = l.Uid, PeerPod = l.Peer, LocalIntf = $"eth{l.Uid}", PeerIntf = $"eth{l.Uid}" })],
        },
        Status = new TopologyStatus { NodeName = node, SrcIp = "192.0.2.1", NetNs = $"/run/netns/{name}" },
    };

    private static IEnumerable<Topology> Pods() =>
    [
        Pod("r1", PeerNode, (0, "r2")),
        Pod("r2", ThisNode, (0, "r1")) with
        {
            Status = Pod("r2", ThisNode).Status with { Links = [new LinkStatus { Uid = 0, State = LinkState.Up, Transport = "vxlan", Intf = "eth0" }] },
        },
        Pod("r3", "node-c", (1, "r4")),
        Pod("r4", ThisNode, (1, "r3")),
        Pod("r5", ThisNode, (2, "r6")),
        Pod("r6", ThisNode, (2, "r5")),
        Pod("r7", PeerNode, (3, "r2")),
    ];

    public async ValueTask DisposeAsync()
    {
        PeerClients.Dispose();
        Index.Dispose();
        ThisNodeTls.Dispose();
        PeerNodeTls.Dispose();
        Ca.Dispose();
        await _store.DisposeAsync();
        _dir.Dispose();
    }
}
