using System.Net;
using Meshnet.Daemon.Reconcile;
using Meshnet.Daemon.Wires;
using Meshnet.Engine;
using Meshnet.Model;
using Meshnet.Wire;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Meshnet.Daemon.Tests.Wires;

/// <summary>
/// The daemon's adapter between the reconciler and the relay, against a stand-in relay: ends go to the peer node's
/// node-API port, carrier changes queue their pod once, moving counters queue it on the refresher's tick.
/// </summary>
public sealed class RelayWireAttachmentsTests : IAsyncDisposable
{
    private static readonly PodKey R1 = new("lab", "r1");
    private readonly StandInRelay _relay = new();
    private readonly WorkQueue _queue = new();
    private readonly DaemonOptions _options = new() { Store = "sqlite:/x", NodeName = "n1", NodeIp = "172.30.0.11", PkiDir = "/x", GrpcPort = 51999 };

    private static PlannedGrpcWire Wire(long id = 7, string peerNode = "n2") =>
        new("lab", 3, 1500, new EndpointSpec(R1, "/var/run/netns/r1", "eth1", [], null), peerNode, IPAddress.Parse("172.30.0.12"), id);

    private async Task<IReadOnlyCollection<PodKey>> QueuedAsync()
    {
        using var soon = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        try
        {
            return (await _queue.TakeAllAsync(soon.Token)).Keys;
        }
        catch (OperationCanceledException)
        {
            return [];
        }
    }

    [Fact]
    public void Attach_PlannedWire_GivesTheRelayTheEndTowardThePeersNodeApi()
    {
        using var wires = new RelayWireAttachments(_relay, _queue, _options);

        wires.Attach(Wire());

        Assert.Equal(new WireEnd(7, "lab", 3, "/var/run/netns/r1", "eth1", "n2", new IPEndPoint(IPAddress.Parse("172.30.0.12"), 51999), 1500), _relay.Ends[7]);
    }

    [Fact]
    public async Task CarrierChanged_DiffersFromTheReportedState_QueuesThePod()
    {
        using var wires = new RelayWireAttachments(_relay, _queue, _options);
        wires.Attach(Wire());
        wires.StateOf(7);

        _relay.SetCarrier(7, up: true);

        Assert.Equal([R1], await QueuedAsync());
        Assert.True(wires.StateOf(7)!.CarrierUp);
    }

    [Fact]
    public async Task CarrierChanged_SameAsReported_QueuesNothing()
    {
        using var wires = new RelayWireAttachments(_relay, _queue, _options);
        wires.Attach(Wire());
        wires.StateOf(7);

        _relay.SetCarrier(7, up: false);

        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task Detach_ThenCarrierEvent_QueuesNothingAndTellsTheRelay()
    {
        using var wires = new RelayWireAttachments(_relay, _queue, _options);
        wires.Attach(Wire());

        wires.Detach(7);
        _relay.Raise(new WireStatus(Wire().ToEnd(), true, null, null, default));

        Assert.Empty(_relay.Ends);
        Assert.Empty(await QueuedAsync());
    }

    [Fact]
    public async Task Tick_CountersMoved_QueuesOnlyThatPod()
    {
        using var wires = new RelayWireAttachments(_relay, _queue, _options);
        var r2 = Wire(8) with { End = new EndpointSpec(new PodKey("lab", "r2"), "/x", "eth1", [], null) };
        wires.Attach(Wire());
        wires.Attach(r2);
        var refresher = new WireCounterRefresher(wires, _queue, _options, new FakeTimeProvider());
        refresher.Tick();
        await QueuedAsync();

        _relay.Counters[7] = new WireCounters(5, 500, 0, 4, 400, 0);
        refresher.Tick();

        Assert.Equal([R1], await QueuedAsync());
        refresher.Tick();
        Assert.Empty(await QueuedAsync());
    }

    public ValueTask DisposeAsync() => _relay.DisposeAsync();

    /// <summary>Remembers attached ends; carrier and counters are set by the test.</summary>
    private sealed class StandInRelay : IWireRelay
    {
        private readonly Dictionary<long, bool> _carrier = [];

        public Dictionary<long, WireEnd> Ends { get; } = [];

        public Dictionary<long, WireCounters> Counters { get; } = [];

        public event Action<WireStatus>? CarrierChanged;

        public void Attach(WireEnd end) => Ends[end.LocalId] = end;

        public bool Detach(long localId) => Ends.Remove(localId);

        public WireStatus? GetStatus(long localId) =>
            Ends.TryGetValue(localId, out var e) ? new WireStatus(e, _carrier.GetValueOrDefault(localId), _carrier.GetValueOrDefault(localId) ? null : "peer end not bound", null, Counters.GetValueOrDefault(localId)) : null;

        public IReadOnlyCollection<WireStatus> GetAll() => [.. Ends.Keys.Select(id => GetStatus(id)!)];

        public void SetCarrier(long id, bool up)
        {
            _carrier[id] = up;
            Raise(GetStatus(id)!);
        }

        public void Raise(WireStatus status) => CarrierChanged?.Invoke(status);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}

internal static class WireTestExtensions
{
    public static WireEnd ToEnd(this PlannedGrpcWire w) =>
        new(w.LocalId, w.Namespace, w.Uid, w.End.NetNsPath, w.End.Intf, w.PeerNode, new IPEndPoint(w.PeerNodeAddress, 51999), w.Mtu);
}
