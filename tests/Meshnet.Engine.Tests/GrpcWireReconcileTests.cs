using System.Net;
using System.Text.Json;
using Meshnet.Model;
using Meshnet.Store;
using Meshnet.Store.Sqlite;
using Meshnet.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Meshnet.Engine.Tests;

/// <summary>
/// The control plane of gRPC wires on one node (n1), with real TAPs in throwaway namespaces and a recording stand-in
/// for the data path: r1 runs here, its peer r2 on node n2, so n1 builds only r1's end of their link.
/// </summary>
public sealed class GrpcWireReconcileTests : IAsyncLifetime
{
    private const string Ns = "lab";
    private const string Node = "n1";

    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-wires-").FullName;
    private readonly LinkEngine _engine = new(NullLogger<LinkEngine>.Instance);
    private readonly List<TempNetns> _netns = [];
    private readonly RecordingAttachments _relay = new();
    private SqliteTopologyStore _store = null!;

    public async Task InitializeAsync() => _store = await SqliteTopologyStore.OpenAsync(Path.Combine(_dir, "store.db"));

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
    public async Task ReconcileAsync_PeerOnAnotherNode_BuildsAPersistentTapAsDeclared()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (r1Ns, _) = await StartAsync(mtu: 9000);

        var result = await PassAsync();

        var wire = Assert.IsType<PlannedGrpcWire>(Assert.Single(result.Plan.Links));
        Assert.Equal(("n2", IPAddress.Parse("127.0.0.2")), (wire.PeerNode, wire.PeerNodeAddress));
        var dev = Link(r1Ns, "eth1");
        Assert.Equal("tun", dev.GetProperty("linkinfo").GetProperty("info_kind").GetString());
        Assert.Equal(9000, dev.GetProperty("mtu").GetInt32());
        Assert.Equal("02:00:00:00:01:01", dev.GetProperty("address").GetString());
        Assert.Contains("UP", dev.GetProperty("flags").EnumerateArray().Select(f => f.GetString()));
        Assert.Contains("10.62.0.1/24", r1Ns.Exec("ip", "-o", "addr", "show", "eth1").Stdout, StringComparison.Ordinal);
        Assert.Contains("tap", r1Ns.Exec("ip", "-d", "link", "show", "eth1").Stdout, StringComparison.Ordinal);
        Assert.Contains("persist", r1Ns.Exec("ip", "tuntap", "show").Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task ReconcileAsync_WireBuilt_RecordsItAndAttachesItTowardThePeerNode()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (r1Ns, _) = await StartAsync();

        await PassAsync();

        var record = Assert.Single(await _store.Wires.ListAsync(Node));
        Assert.Equal(new WireRecord(Node, Ns, 1, record.LocalId, "r1", r1Ns.Path, "10.62.0.1/24", "eth1", "n2", "127.0.0.2"), record);
        var end = Assert.Single(_relay.Attached.Values);
        Assert.Equal((record.LocalId, "n2", IPAddress.Parse("127.0.0.2"), "eth1"), (end.LocalId, end.PeerNode, end.PeerNodeAddress, end.End.Intf));
    }

    [SkippableFact]
    public async Task ReconcileAsync_AgainAndAfterARestart_KeepsTheSameTapAndId()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (r1Ns, _) = await StartAsync();
        await PassAsync();
        var index = Link(r1Ns, "eth1").GetProperty("ifindex").GetInt32();
        var id = Assert.Single(_relay.Attached.Keys);

        await PassAsync();
        var restarted = new RecordingAttachments();
        var afterRestart = await PassAsync(restarted, load: true);

        Assert.Equal(0, afterRestart.Converge.Created);
        Assert.Equal(index, Link(r1Ns, "eth1").GetProperty("ifindex").GetInt32());
        Assert.Equal([id], restarted.Attached.Keys);
    }

    [SkippableFact]
    public async Task ReconcileAsync_CarrierUpOrDown_StatusSaysSoWithCounters()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await StartAsync();
        await PassAsync();
        _relay.State = new WireEndState(false, "peer node n2 unreachable", 0, new LinkCounters { TxDrops = 3 });

        var down = Assert.Single((await PassAsync()).Stored.Single(t => t.Name == "r1").Status.Links);
        _relay.State = new WireEndState(true, null, 11, new LinkCounters { TxFrames = 5, RxBytes = 420 });
        var up = Assert.Single((await PassAsync()).Stored.Single(t => t.Name == "r1").Status.Links);

        Assert.Equal((LinkState.Down, "grpc", "peer node n2 unreachable", 3L), (down.State, down.Transport, down.Error, down.Counters!.TxDrops));
        Assert.Equal((LinkState.Up, (string?)null, 5L, 420L), (up.State, up.Error, up.Counters!.TxFrames, up.Counters.RxBytes));
        Assert.Equal(11, Assert.Single(await _store.Wires.ListAsync(Node)).PeerWireId);
    }

    [SkippableFact]
    public async Task ReconcileAsync_RelayRefusesTheEnd_LinkFailsWithWhyAndStaysDetached()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await StartAsync();
        _relay.Refuse = new IOException("open TAP eth1: No such device");

        var result = await PassAsync();

        var failure = Assert.Single(result.Converge.Failures);
        Assert.Contains("No such device", failure.Error, StringComparison.Ordinal);
        Assert.Equal(LinkState.Failed, Assert.Single(result.Stored.Single(t => t.Name == "r1").Status.Links).State);
        Assert.Empty(_relay.Attached);
    }

    [SkippableFact]
    public async Task ReconcileAsync_PeerPodStopped_KeepsTheTapDetachedAndDown()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (r1Ns, _) = await StartAsync();
        await PassAsync();
        var index = Link(r1Ns, "eth1").GetProperty("ifindex").GetInt32();
        await _store.PatchStatusAsync(new PodKey(Ns, "r2"), t => t.Status with { NetNs = null, SrcIp = null });

        var result = await PassAsync();

        Assert.Equal(index, Link(r1Ns, "eth1").GetProperty("ifindex").GetInt32());
        Assert.Empty(_relay.Attached);
        var status = Assert.Single(result.Stored.Single(t => t.Name == "r1").Status.Links);
        Assert.Equal((LinkState.Down, "grpc"), (status.State, status.Transport));
        Assert.Contains("not running", status.Error, StringComparison.Ordinal);
        Assert.Single(await _store.Wires.ListAsync(Node));
    }

    [SkippableFact]
    public async Task ReconcileAsync_PeerPodBack_AttachesTheSameTapAgain()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (r1Ns, _) = await StartAsync();
        await PassAsync();
        var index = Link(r1Ns, "eth1").GetProperty("ifindex").GetInt32();
        await _store.PatchStatusAsync(new PodKey(Ns, "r2"), t => t.Status with { NetNs = null, SrcIp = null });
        await PassAsync();
        await _store.PatchStatusAsync(new PodKey(Ns, "r2"), t => t.Status with { NetNs = "/proc/1/ns/net", SrcIp = "127.0.0.3", NodeName = "n3" });

        await PassAsync();

        Assert.Equal(index, Link(r1Ns, "eth1").GetProperty("ifindex").GetInt32());
        Assert.Equal(("n3", IPAddress.Parse("127.0.0.3")), (Assert.Single(_relay.Attached.Values).PeerNode, _relay.Attached.Values.Single().PeerNodeAddress));
        Assert.Equal("n3", Assert.Single(await _store.Wires.ListAsync(Node)).PeerNode);
    }

    [SkippableFact]
    public async Task ReconcileAsync_LinkRemovedFromSpec_DetachesAndDeletesTapRecordAndId()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (r1Ns, _) = await StartAsync();
        await PassAsync();
        var r1 = (await _store.GetAsync(new PodKey(Ns, "r1")))!;
        await _store.ApplyAsync(r1 with { Spec = r1.Spec with { Links = [] } });

        await PassAsync();

        Assert.Empty(_relay.Attached);
        Assert.DoesNotContain("eth1", r1Ns.Exec("ip", "-o", "link").Stdout, StringComparison.Ordinal);
        Assert.Empty(await _store.Wires.ListAsync(Node));
        Assert.Empty(await _store.KeyValues.ListAsync("wire/"));
    }

    [SkippableFact]
    public async Task ReconcileAsync_PeerMovedToThisNode_WireBecomesAVeth()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (r1Ns, r2Ns) = await StartAsync();
        await PassAsync();
        await _store.PatchStatusAsync(new PodKey(Ns, "r2"), t => t.Status with { NetNs = r2Ns.Path, SrcIp = "127.0.0.1", NodeName = Node });

        var result = await PassAsync();

        Assert.IsType<PlannedVeth>(Assert.Single(result.Plan.Links));
        Assert.Equal("veth", Link(r1Ns, "eth1").GetProperty("linkinfo").GetProperty("info_kind").GetString());
        Assert.Empty(_relay.Attached);
        Assert.Empty(await _store.Wires.ListAsync(Node));
        Assert.True(Cmd.Ping(r1Ns.Name, "10.62.0.2"));
    }

    [SkippableFact]
    public async Task DropWiresOfAsync_PodGone_DetachesAndDeletesTapAndRecord()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (r1Ns, _) = await StartAsync();
        await PassAsync();

        await Reconciler(_relay).DropWiresOfAsync([new PodKey(Ns, "r1")], default);

        Assert.Empty(_relay.Attached);
        Assert.DoesNotContain("eth1", r1Ns.Exec("ip", "-o", "link").Stdout, StringComparison.Ordinal);
        Assert.Empty(await _store.Wires.ListAsync(Node));
    }

    [SkippableFact]
    public async Task DropStaleWiresAsync_AtStartPodNoLongerHere_DeletesTapAndRecord()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (r1Ns, _) = await StartAsync();
        await PassAsync();
        await _store.DeleteAsync(new PodKey(Ns, "r1"));
        var restarted = Reconciler(new RecordingAttachments());
        await restarted.LoadAsync(default);

        await restarted.DropStaleWiresAsync(await WorldAsync(), t => t.Status.NodeName == Node && t.Status.IsAlive, default);

        Assert.DoesNotContain("eth1", r1Ns.Exec("ip", "-o", "link").Stdout, StringComparison.Ordinal);
        Assert.Empty(await _store.Wires.ListAsync(Node));
    }

    [SkippableFact]
    public async Task DropStaleWiresAsync_PodStillHere_KeepsItsWire()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (r1Ns, _) = await StartAsync();
        await PassAsync();
        var restarted = Reconciler(new RecordingAttachments());
        await restarted.LoadAsync(default);

        await restarted.DropStaleWiresAsync(await WorldAsync(), t => t.Status.NodeName == Node && t.Status.IsAlive, default);

        Assert.Contains("eth1", r1Ns.Exec("ip", "-o", "link").Stdout, StringComparison.Ordinal);
        Assert.Single(await _store.Wires.ListAsync(Node));
    }

    private WireBook? _book;

    private TopologyReconciler Reconciler(RecordingAttachments relay, bool load = false)
    {
        if (load || _book is null)
        {
            _book = new WireBook(_store.KeyValues, _store.Wires, Node);
        }

        return new TopologyReconciler(_store, _engine, crossNode: new CrossNodeOptions(IPAddress.Loopback, new VniAllocator(_store.KeyValues))
        {
            Wires = new GrpcWireOptions(_book, relay),
        });
    }

    /// <summary>One pass over the pods of node n1; <paramref name="load"/>: as a freshly started daemon (books read from the store).</summary>
    private async Task<ReconcileResult> PassAsync(RecordingAttachments? relay = null, bool load = false)
    {
        var reconciler = Reconciler(relay ?? _relay, load);
        if (load)
        {
            await reconciler.LoadAsync(default);
        }

        var world = await WorldAsync();
        var local = world.Values.Where(t => t.Status.NodeName == Node && t.Status.IsAlive).ToList();
        return await reconciler.ReconcileAsync(local, world, t => t.Status.NodeName == Node, default);
    }

    private async Task<Dictionary<PodKey, Topology>> WorldAsync() => (await _store.ListAsync(Ns)).Items.ToDictionary(t => t.Key);

    /// <summary>r1 (node n1, here) ↔ r2 (node n2 at 127.0.0.2), each with a namespace of its own (r2's used only when it moves here).</summary>
    private async Task<(TempNetns R1, TempNetns R2)> StartAsync(int? mtu = null)
    {
        var yaml = new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.62.0.1/24", "10.62.0.2/24", mtu, uid: 1).ToString();
        var spaces = new List<TempNetns>();
        foreach (var topo in TopologyParser.ParseYaml(yaml, Ns))
        {
            var netns = TempNetns.Create();
            _netns.Add(netns);
            spaces.Add(netns);
            var mac = topo.Name == "r1" ? "02:00:00:00:01:01" : "02:00:00:00:02:01";
            await _store.ApplyAsync(topo with { Spec = topo.Spec with { Links = [.. topo.Spec.Links.Select(l => l with { LocalMac = mac })] } });
            var remote = topo.Name == "r2";
            await _store.PatchStatusAsync(topo.Key, t => t.Status with
            {
                NetNs = netns.Path, NodeName = remote ? "n2" : Node, SrcIp = remote ? "127.0.0.2" : "127.0.0.1",
            });
        }

        return (spaces[0], spaces[1]);
    }

    private static JsonElement Link(TempNetns ns, string name) =>
        JsonDocument.Parse(ns.Exec("ip", "-j", "-d", "link", "show", name).EnsureSuccess().Stdout).RootElement[0];

    /// <summary>Stands in for the relay: remembers what is attached and reports a settable state for every end.</summary>
    private sealed class RecordingAttachments : IWireAttachments
    {
        public Dictionary<long, PlannedGrpcWire> Attached { get; } = [];

        public WireEndState State { get; set; } = new(false, "peer end not bound yet", 0, new LinkCounters());

        public Exception? Refuse { get; set; }

        public void Attach(PlannedGrpcWire wire) => Attached[wire.LocalId] = Refuse is null ? wire : throw Refuse;

        public void Detach(long localId) => Attached.Remove(localId);

        public WireEndState? StateOf(long localId) => Attached.ContainsKey(localId) ? State : null;
    }
}
