using Meshnet.Model;
using Meshnet.Store;
using Meshnet.Store.Sqlite;
using Meshnet.Store.Tests;
using Meshnet.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Meshnet.Engine.Tests;

/// <summary>
/// A pass's status writes start from the copies in its <c>world</c> (in the daemon, the informer's cache): a pass
/// over pods whose statuses are already right asks the store nothing, and a copy that is behind costs a conflict and
/// one re-read without losing the other writer's update. Two pods linked by a veth, in throwaway namespaces.
/// </summary>
public sealed class TopologyReconcilerTests : IAsyncLifetime
{
    private const string Ns = "lab";

    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-reconciler-").FullName;
    private readonly LinkEngine _engine = new(NullLogger<LinkEngine>.Instance);
    private readonly List<TempNetns> _netns = [];
    private SqliteTopologyStore _store = null!;

    public async Task InitializeAsync()
    {
        _store = await SqliteTopologyStore.OpenAsync(Path.Combine(_dir, "store.db"));
    }

    public async Task DisposeAsync()
    {
        foreach (var ns in _netns)
        {
            ns.Dispose();
        }

        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [SkippableFact]
    public async Task ReconcileAsync_CurrentWorldCopies_WritesEachStatusOnceWithoutReading()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var world = await StartPairAsync();
        var counting = new CountingTopologyStore(_store);

        var result = await new TopologyReconciler(counting, _engine).ReconcileAsync(world.Values, world, _ => true, default);

        Assert.Equal((0, 2), (counting.Gets, counting.StatusWrites));
        Assert.All(result.Stored, t => Assert.Equal(LinkState.Up, Assert.Single(t.Status.Links).State));
        Assert.Equal(result.Stored.OrderBy(t => t.Name), (await _store.ListAsync(Ns)).Items.OrderBy(t => t.Name));
    }

    [SkippableFact]
    public async Task ReconcileAsync_StatusesAlreadyRight_AsksTheStoreNothing()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var world = await StartPairAsync();
        var first = await new TopologyReconciler(_store, _engine).ReconcileAsync(world.Values, world, _ => true, default);
        var converged = first.Stored.ToDictionary(t => t.Key);
        var counting = new CountingTopologyStore(_store);

        var again = await new TopologyReconciler(counting, _engine).ReconcileAsync(converged.Values, converged, _ => true, default);

        Assert.Equal((0, 0), (counting.Gets, counting.StatusWrites));
        Assert.Equal(first.Stored.OrderBy(t => t.Name), again.Stored.OrderBy(t => t.Name));
    }

    [SkippableFact]
    public async Task ReconcileAsync_WorldCopyBehindTheStore_RereadsOnceAndKeepsTheOtherWrite()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var world = await StartPairAsync();
        var r1 = world[new PodKey(Ns, "r1")];
        await _store.UpdateStatusAsync(r1 with { Status = r1.Status with { Skipped = ["other-writer"] } });
        var counting = new CountingTopologyStore(_store);

        var result = await new TopologyReconciler(counting, _engine).ReconcileAsync(world.Values, world, _ => true, default);

        Assert.Equal((1, 3, 1), (counting.Gets, counting.StatusWrites, counting.Conflicts));
        var stored = (await _store.GetAsync(r1.Key))!;
        Assert.Equal(["other-writer"], stored.Status.Skipped);
        Assert.Equal(LinkState.Up, Assert.Single(stored.Status.Links).State);
        Assert.Contains(stored, result.Stored);
    }

    [SkippableFact]
    public async Task ReconcileAsync_PeerDeletedAfterTheWorldWasRead_WritesNoStatusForThePeer()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var world = await StartPairAsync();
        var r2 = new PodKey(Ns, "r2");
        // A DEL lands after the pass's world was read: the world (the daemon's cache) still shows r2 alive.
        await _store.PatchStatusAsync(r2, t => t.Status with { NetNs = "", SrcIp = "", NodeName = "", Links = [] });

        await new TopologyReconciler(_store, _engine).ReconcileAsync([world[new PodKey(Ns, "r1")]], world, _ => true, default);

        var stored = (await _store.GetAsync(r2))!.Status;
        Assert.False(stored.IsAlive);
        Assert.Empty(stored.Links);
    }

    [SkippableFact]
    public async Task ReconcileAsync_PeerNamespaceGoneAndPeerDeleted_LinkIsPendingNotFailed()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var world = await StartPairAsync();
        var r2 = new PodKey(Ns, "r2");
        await _store.PatchStatusAsync(r2, t => t.Status with { NetNs = "", SrcIp = "", NodeName = "", Links = [] });
        _netns[1].Dispose(); // the runtime removed r2's namespace after its DEL

        var result = await new TopologyReconciler(_store, _engine).ReconcileAsync([world[new PodKey(Ns, "r1")]], world, _ => true, default);

        Assert.Empty(result.Converge.Failures);
        var r1 = (await _store.GetAsync(new PodKey(Ns, "r1")))!.Status;
        Assert.Equal(LinkState.Pending, Assert.Single(r1.Links).State);
        Assert.Equal("", r1.PlumbingError);
    }

    /// <summary>r1 ↔ r2 (one veth), both registered alive in namespaces of their own; the world as the store holds it.</summary>
    private static Topology Declaring(string name, params (int Uid, string Peer)[] links) => new()
    {
        Namespace = Ns,
        Name = name,
        Spec = new TopologySpec { Links = [.. links.Select(l => new Link { Uid = l.Uid, PeerPod = l.Peer, LocalIntf = $"eth{l.Uid}", PeerIntf = $"eth{l.Uid}" })] },
    };

    [Fact]
    public async Task ReleaseUnusedVnisAsync_PeerStillDeclaresTheUid_KeepsItsVniAndFreesTheOthers()
    {
        var vnis = new VniAllocator(_store.KeyValues);
        var kept = await vnis.AllocateAsync(Ns, 1);
        await vnis.AllocateAsync(Ns, 2);
        var reconciler = new TopologyReconciler(_store, _engine, crossNode: new CrossNodeOptions(System.Net.IPAddress.Loopback, vnis));
        var gone = Declaring("r1", (1, "r2"), (2, "r3"));
        var world = new[] { Declaring("r2", (1, "r1")), Declaring("r3") }.ToDictionary(t => t.Key);

        await reconciler.ReleaseUnusedVnisAsync(gone, world, default);

        var fresh = new VniAllocator(_store.KeyValues);
        await fresh.LoadAsync();
        Assert.Equal(kept, fresh.Known(Ns, 1));
        Assert.Null(fresh.Known(Ns, 2));
    }

    private async Task<Dictionary<PodKey, Topology>> StartPairAsync()
    {
        var yaml = new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.61.0.1/24", "10.61.0.2/24").ToString();
        foreach (var topo in TopologyParser.ParseYaml(yaml, Ns))
        {
            var netns = TempNetns.Create();
            _netns.Add(netns);
            await _store.ApplyAsync(topo);
            await _store.PatchStatusAsync(topo.Key, t => t.Status with { NetNs = netns.Path, NodeName = "node1", SrcIp = "127.0.0.1" });
        }

        return (await _store.ListAsync(Ns)).Items.ToDictionary(t => t.Key);
    }
}
