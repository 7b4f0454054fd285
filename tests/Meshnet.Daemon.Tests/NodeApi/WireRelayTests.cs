using System.Diagnostics;
using System.Net.Security;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Meshnet.Daemon.NodeApi;
using Meshnet.Protocol.V1;
using Meshnet.Testing;
using Meshnet.Wire;
using Xunit;

namespace Meshnet.Daemon.Tests.NodeApi;

/// <summary>gRPC wires between two emulated nodes: real Kestrel, real mutual TLS, real persistent TAPs in pod namespaces.</summary>
public sealed class WireRelayTests
{
    private static readonly TimeSpan UpTimeout = TimeSpan.FromSeconds(20);

    [SkippableFact]
    public async Task Attach_BothEnds_PingBothWays()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync();
        var (podA, podB, _, _) = pair.Wires[0];

        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        Assert.True(WirePair.Ping(podA, WirePair.AddressB(0)), "A → B " + pair.Describe());
        Assert.True(WirePair.Ping(podB, WirePair.AddressA(0)), "B → A " + pair.Describe());
    }

    [SkippableFact]
    public async Task Attach_TwoLoopsFourStreams_EveryWirePings()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync(wires: 4, options: new WireRelayOptions { Loops = 2, StreamsPerPeer = 4 });
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());

        for (var i = 0; i < pair.Wires.Count; i++)
        {
            Assert.True(WirePair.Ping(pair.Wires[i].PodA, WirePair.AddressB(i)), $"wire {i}: {pair.Describe()}");
        }
    }

    [SkippableFact]
    public async Task Attach_Mtu9000_JumboPingUnfragmented()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync(mtu: 9000);
        var (podA, _, _, _) = pair.Wires[0];

        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        Assert.True(WirePair.Ping(podA, WirePair.AddressB(0), "-M", "do", "-s", "8972"), pair.Describe());
    }

    [SkippableFact]
    public async Task Attach_Iperf3Tcp_EverySecondCarriesData()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Skip.IfNot(Cmd.Exists("iperf3"), "needs iperf3");
        await using var pair = await WirePair.StartAsync();
        var (podA, podB, _, _) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        Assert.True(WirePair.Ping(podA, WirePair.AddressB(0)), pair.Describe());

        podB.Exec("iperf3", "-s", "-1", "-D").EnsureSuccess();
        await Task.Delay(300);
        var run = podA.Exec("iperf3", "-c", WirePair.AddressB(0), "-t", "4", "-J");

        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr + pair.Describe());
        using var report = JsonDocument.Parse(run.Stdout);
        var seconds = report.RootElement.GetProperty("intervals").EnumerateArray()
            .Select(i => i.GetProperty("sum").GetProperty("bytes").GetInt64()).ToList();
        Assert.True(seconds.Count >= 4 && seconds.All(b => b > 0), $"a second without data (a stall): {string.Join(", ", seconds)}");
    }

    [SkippableFact]
    public async Task Attach_BothEndsOffload_TcpCrossesAsSuperFrames()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Skip.IfNot(Cmd.Exists("iperf3"), "needs iperf3");
        await using var pair = await WirePair.StartAsync();
        var (podA, podB, endA, _) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        podB.Exec("iperf3", "-s", "-1", "-D").EnsureSuccess();
        await Task.Delay(300);

        podA.Exec("iperf3", "-c", WirePair.AddressB(0), "-t", "2").EnsureSuccess();

        // Frames larger than the MTU can only be TSO super-frames carried whole (the receiving kernel segments them).
        var sent = pair.A.Relay.GetStatus(endA.LocalId)!.Counters;
        Assert.True(sent.TxBytes / sent.TxFrames > 1514 + 4, $"{sent}");
    }

    [SkippableFact]
    public async Task Bind_PeerWithoutOffloads_NoSuperFramesSentToIt()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Skip.IfNot(Cmd.Exists("iperf3"), "needs iperf3");
        await using var pair = await WirePair.StartAsync();
        var (podA, podB, endA, endB) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());

        // node-a's end re-binds saying its TAP takes no offloads (as a kernel refusing TUNSETOFFLOAD would).
        using var links = new NodeLinksClientFactory(pair.World.TlsFor("node-a"));
        using var client = new WireClient(links);
        using var call = client.Open("node-b", pair.B.Endpoint, CancellationToken.None);
        await call.ResponseHeadersAsync;
        var bind = new WireMessage();
        bind.Binds.Add(new WireBind { Namespace = "lab", Uid = 0, SenderLocalId = endA.LocalId, Offloads = 0 });
        await call.RequestStream.WriteAsync(bind);
        await Task.Delay(500);
        var before = pair.B.Relay.GetStatus(endB.LocalId)!.Counters;
        podB.Exec("iperf3", "-s", "-1", "-D").EnsureSuccess();
        await Task.Delay(300);

        podA.Exec("iperf3", "-c", WirePair.AddressB(0), "-t", "2", "-R").EnsureSuccess();

        var after = pair.B.Relay.GetStatus(endB.LocalId)!.Counters;
        var (frames, bytes) = (after.TxFrames - before.TxFrames, after.TxBytes - before.TxBytes);
        Assert.True(frames > 1000 && bytes / frames <= 1514 + 4, $"{frames} frames, {bytes} bytes");
    }

    [SkippableFact]
    public async Task Detach_PeerEnd_CarrierOffUntilReattached()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync();
        var (podA, _, endA, endB) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());

        Assert.True(pair.B.Relay.Detach(endB.LocalId));

        Assert.True(await WirePair.EventuallyAsync(() => !WirePair.Carrier(podA), UpTimeout), "pod A still has carrier");
        var down = pair.A.Relay.GetStatus(endA.LocalId)!;
        Assert.False(down.CarrierUp);
        Assert.Contains("detached", down.DownReason, StringComparison.Ordinal);

        pair.B.Relay.Attach(endB);

        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        Assert.True(WirePair.Carrier(podA));
        Assert.True(WirePair.Ping(podA, WirePair.AddressB(0)), pair.Describe());
    }

    [SkippableFact]
    public async Task Detach_Unattached_ReturnsFalse()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync(wires: 0);

        Assert.False(pair.B.Relay.Detach(12345));
    }

    [SkippableFact]
    public async Task CarrierChanged_PeerAttaches_RaisedUp()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync();
        var (_, _, endA, endB) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        pair.B.Relay.Detach(endB.LocalId);
        Assert.True(await WirePair.EventuallyAsync(() => pair.A.Relay.GetStatus(endA.LocalId)?.CarrierUp == false, UpTimeout));
        var raised = new TaskCompletionSource<WireStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        pair.A.Contract.CarrierChanged += s => raised.TrySetResult(s);

        pair.B.Relay.Attach(endB);

        var status = await raised.Task.WaitAsync(UpTimeout);
        Assert.Equal(endA.LocalId, status.End.LocalId);
        Assert.True(status.CarrierUp);
        Assert.Equal(endB.LocalId, status.PeerWireId);
    }

    [SkippableFact]
    public async Task PeerRestart_TrafficResumesWithinFiveSeconds_SameIfIndex()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync();
        var (podA, podB, endA, _) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        var indexes = (WirePair.IfIndex(podA), WirePair.IfIndex(podB));

        await pair.RestartBAsync(TimeSpan.FromSeconds(2));
        var back = Stopwatch.StartNew();
        var replied = await WirePair.EventuallyAsync(() => podA.Exec("ping", "-c1", "-W1", WirePair.AddressB(0)).ExitCode == 0, TimeSpan.FromSeconds(5));

        Assert.True(replied, $"no reply within 5 s of the restart: {pair.Describe()}");
        Assert.InRange(back.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(6));
        Assert.Equal(indexes, (WirePair.IfIndex(podA), WirePair.IfIndex(podB)));
        Assert.True(pair.A.Relay.GetStatus(endA.LocalId)!.CarrierUp);
    }

    [SkippableFact]
    public async Task PeerDown_LocalEndLosesCarrierWithReason()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync();
        var (podA, _, endA, _) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());

        await pair.B.DisposeAsync();

        Assert.True(await WirePair.EventuallyAsync(() => !WirePair.Carrier(podA), UpTimeout), "pod A kept carrier with its peer node gone");
        Assert.Contains("node-b", pair.A.Relay.GetStatus(endA.LocalId)!.DownReason, StringComparison.Ordinal);
        await pair.RestartBAsync(TimeSpan.Zero);
    }

    [SkippableFact]
    public async Task Stream_FromUnauthorizedNode_BindAndFramesRefusedOtherWiresKeepWorking()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync();
        var (podA, _, endA, endB) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        using var tlsC = pair.World.TlsFor("node-c");
        using var links = new NodeLinksClientFactory(tlsC);
        using var client = new WireClient(links);

        // node-c claims node-a's link and sends into node-b's end of it, and to an id nobody has.
        using var call = client.Open("node-b", pair.B.Endpoint, CancellationToken.None);
        await call.ResponseHeadersAsync;
        var frame = new byte[60 + 12];
        var message = new WireMessage { Frames = ByteString.CopyFrom(Batch((endB.LocalId, frame), (424242, frame))) };
        message.Binds.Add(new WireBind { Namespace = "lab", Uid = 0, SenderLocalId = 77 });
        await call.RequestStream.WriteAsync(message);

        Assert.True(await WirePair.EventuallyAsync(() => pair.B.Relay.Counters is { ForeignFrames: 1, UnknownIdFrames: 1, Refused: >= 2 }, UpTimeout),
            pair.Describe());
        Assert.Equal(endA.LocalId, pair.B.Relay.GetStatus(endB.LocalId)!.PeerWireId);
        Assert.Equal(0, pair.B.Relay.GetStatus(endB.LocalId)!.Counters.RxDrops);
        Assert.True(WirePair.Ping(podA, WirePair.AddressB(0)), pair.Describe());
    }

    [SkippableFact]
    public async Task Stream_MalformedAndOversizedFrames_DroppedAndCountedOtherFramesDelivered()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync();
        var (podA, podB, _, endB) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        // Listens on pod B's end for the probe EtherType only: the good frame must arrive there, not just some frame.
        using var nsB = Meshnet.Netlink.NetNs.Open(podB.Path);
        using var listener = nsB.Run(() =>
        {
            using var nl = Meshnet.Netlink.NetlinkHandle.Open(nsB);
            return Meshnet.Netlink.PacketSocket.Open(nl.LinkByName(WirePair.Interface).Index, 0x88B5);
        });
        using var links = new NodeLinksClientFactory(pair.World.TlsFor("node-a"));
        using var client = new WireClient(links);
        using var call = client.Open("node-b", pair.B.Endpoint, CancellationToken.None);
        await call.ResponseHeadersAsync;
        var before = pair.B.Relay.GetStatus(endB.LocalId)!.Counters;

        // A plain (non-GSO) frame larger than the MTU, then a good broadcast frame, then a truncated record.
        var good = EthernetBroadcast(60);
        var batch = Batch((endB.LocalId, new byte[12 + 4000]), (endB.LocalId, good)).Concat(new byte[] { 1, 2, 3 }).ToArray();
        await call.RequestStream.WriteAsync(new WireMessage { Frames = ByteString.CopyFrom(batch) });

        Assert.True(await WirePair.EventuallyAsync(() => pair.B.Relay.Counters is { OversizedFrames: 1, MalformedMessages: 1 }, UpTimeout), pair.Describe());
        var after = pair.B.Relay.GetStatus(endB.LocalId)!.Counters;
        Assert.Equal(before.RxDrops + 1, after.RxDrops);
        Assert.True(after.RxFrames > before.RxFrames);
        Assert.Equal(good.Length - 12, listener.Receive(new byte[9000], UpTimeout));
        Assert.True(WirePair.Ping(podA, WirePair.AddressB(0)), pair.Describe());
    }

    [SkippableFact]
    public async Task Stream_ClientWithoutCertificate_RejectedNothingChanged()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync();
        var (_, _, _, endB) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, server, _, _) => server?.GetCertHashString() == pair.TlsB.Certificate.Thumbprint },
        };
        using var channel = GrpcChannel.ForAddress($"https://{pair.B.Endpoint}", new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
        var status = pair.B.Relay.GetStatus(endB.LocalId)!;

        using var call = new NodeWire.NodeWireClient(channel).Stream();
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync);

        Assert.Contains(e.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.Equal(status.PeerWireId, pair.B.Relay.GetStatus(endB.LocalId)!.PeerWireId);
        Assert.Equal(default, pair.B.Relay.Counters with { LostInQueue = 0 });
    }

    [SkippableFact]
    public async Task Open_ServerIsNotTheNodeMeant_Refused()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync(wires: 0);
        using var links = new NodeLinksClientFactory(pair.World.TlsFor("node-a"));
        using var client = new WireClient(links);

        // node-b answers at this address, but node-a meant to reach node-c there.
        using var call = client.Open("node-c", pair.B.Endpoint, CancellationToken.None);
        var e = await Assert.ThrowsAsync<RpcException>(() => call.ResponseHeadersAsync);

        Assert.Contains("remote certificate was rejected", e.Status.Detail, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Attach_SameEndTwice_NothingChanges()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync();
        var (_, _, endA, _) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());

        pair.A.Relay.Attach(endA with { });

        Assert.True(pair.A.Relay.GetStatus(endA.LocalId)!.CarrierUp);
        Assert.Single(pair.A.Relay.GetAll());
    }

    [SkippableFact]
    public async Task Attach_SecondEndForTheSameLink_RefusedFirstKeepsWorking()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync();
        var (podA, _, endA, _) = pair.Wires[0];
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());

        var e = Assert.Throws<InvalidOperationException>(() => pair.A.Relay.Attach(endA with { LocalId = 999 }));

        Assert.Contains("lab/0", e.Message, StringComparison.Ordinal);
        Assert.Null(pair.A.Relay.GetStatus(999));
        Assert.True(WirePair.Ping(podA, WirePair.AddressB(0)), pair.Describe());
    }

    [SkippableFact]
    public async Task TapDeletedUnderRelay_OtherWiresKeepWorking()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync(wires: 2);
        Assert.True(await pair.AllUpAsync(UpTimeout), pair.Describe());
        var (gonePod, _, goneEnd, _) = pair.Wires[0];
        var (podA, _, _, _) = pair.Wires[1];

        gonePod.Exec("ip", "link", "del", WirePair.Interface).EnsureSuccess();
        await Task.Delay(500);

        Assert.True(WirePair.Ping(podA, WirePair.AddressB(1)), pair.Describe());
        Assert.True(pair.A.Relay.Detach(goneEnd.LocalId));
    }

    [SkippableFact]
    public async Task Attach_MissingTap_ThrowsAndCreatesNothing()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var pair = await WirePair.StartAsync(wires: 0);
        using var pod = TempNetns.Create();
        var end = new WireEnd(9, "lab", 9, pod.Path, "eth9", "node-b", pair.B.Endpoint, 1500);

        Assert.Throws<WireSysException>(() => pair.A.Relay.Attach(end));

        Assert.Null(pair.A.Relay.GetStatus(9));
        Assert.NotEqual(0, pod.Exec("ip", "link", "show", "eth9").ExitCode);
    }

    private static byte[] Batch(params (long Id, byte[] Frame)[] frames)
    {
        var buffer = new byte[frames.Sum(f => 12 + f.Frame.Length)];
        var offset = 0;
        foreach (var (id, frame) in frames)
        {
            BitConverter.TryWriteBytes(buffer.AsSpan(offset), id);
            BitConverter.TryWriteBytes(buffer.AsSpan(offset + 8), frame.Length);
            frame.CopyTo(buffer, offset + 12);
            offset += 12 + frame.Length;
        }

        return buffer;
    }

    /// <summary>A virtio_net_hdr (no offload) and a broadcast Ethernet frame of <paramref name="length"/> bytes.</summary>
    private static byte[] EthernetBroadcast(int length)
    {
        var frame = new byte[12 + length];
        frame.AsSpan(12, 6).Fill(0xff);
        frame[12 + 6] = 0x02;
        frame[12 + 12] = 0x88;
        frame[12 + 13] = 0xb5; // local experimental EtherType: nobody in the pod answers it
        return frame;
    }
}
