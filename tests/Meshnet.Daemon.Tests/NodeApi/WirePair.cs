using Meshnet.Daemon.Security;
using Meshnet.Testing;
using Meshnet.Wire;

namespace Meshnet.Daemon.Tests.NodeApi;

/// <summary>
/// Two emulated nodes (node-a, node-b: <see cref="WireNode"/>s with certificates of one cluster CA) and, per wire,
/// two pod namespaces holding a persistent TAP each (made as the control plane makes them: persistent, addressed,
/// up), attached to the relays: pod A 10.77.N.1 on node-a ↔ pod B 10.77.N.2 on node-b, link lab/N.
/// </summary>
internal sealed class WirePair : IAsyncDisposable
{
    public const string Interface = "eth1";

    private readonly NodeApiWorld _world;
    private readonly NodeTlsMaterial _tlsA;
    private readonly NodeTlsMaterial _tlsB;
    private readonly List<TempNetns> _namespaces = [];

    private WirePair(NodeApiWorld world, NodeTlsMaterial tlsA, NodeTlsMaterial tlsB, WireNode a, WireNode b)
    {
        _world = world;
        _tlsA = tlsA;
        _tlsB = tlsB;
        A = a;
        B = b;
    }

    public WireNode A { get; private set; }

    public WireNode B { get; private set; }

    public NodeApiWorld World => _world;

    public NodeTlsMaterial TlsB => _tlsB;

    public List<(TempNetns PodA, TempNetns PodB, WireEnd EndA, WireEnd EndB)> Wires { get; } = [];

    public static async Task<WirePair> StartAsync(int wires = 1, int mtu = 1500, WireRelayOptions? options = null)
    {
        var world = await NodeApiWorld.CreateAsync();
        var tlsA = world.TlsFor("node-a");
        var tlsB = world.TlsFor("node-b");
        var a = await WireNode.StartAsync(world, tlsA, options: options);
        var b = await WireNode.StartAsync(world, tlsB, options: options);
        var pair = new WirePair(world, tlsA, tlsB, a, b);
        try
        {
            for (var i = 0; i < wires; i++)
            {
                pair.AddWire(mtu);
            }
        }
        catch
        {
            await pair.DisposeAsync();
            throw;
        }

        return pair;
    }

    /// <summary>Pod A's address on wire <paramref name="index"/>, and pod B's.</summary>
    public static string AddressA(int index) => $"10.{77 + (index / 250)}.{index % 250}.1";

    public static string AddressB(int index) => $"10.{77 + (index / 250)}.{index % 250}.2";

    public void AddWire(int mtu)
    {
        var index = Wires.Count;
        var podA = TempNetns.Create();
        _namespaces.Add(podA);
        var podB = TempNetns.Create();
        _namespaces.Add(podB);
        MakeTap(podA, AddressA(index), mtu);
        MakeTap(podB, AddressB(index), mtu);
        var endA = new WireEnd(1000 + index, "lab", index, podA.Path, Interface, "node-b", B.Endpoint, mtu);
        var endB = new WireEnd(5000 + index, "lab", index, podB.Path, Interface, "node-a", A.Endpoint, mtu);
        A.Relay.Attach(endA);
        B.Relay.Attach(endB);
        Wires.Add((podA, podB, endA, endB));
    }

    /// <summary>
    /// <paramref name="count"/> wires between one pair of pods (TAPs w0…, made with one <c>ip -batch</c> per pod, no
    /// addresses), attached to both relays.
    /// </summary>
    public void AddBulkWires(int count)
    {
        var podA = TempNetns.Create();
        _namespaces.Add(podA);
        var podB = TempNetns.Create();
        _namespaces.Add(podB);
        var names = Enumerable.Range(0, count).Select(i => $"w{i}").ToList();
        var batch = string.Concat(names.Select(n => $"tuntap add dev {n} mode tap\n")) + string.Concat(names.Select(n => $"link set {n} up\n"));
        foreach (var pod in new[] { podA, podB })
        {
            Cmd.Run("ip", ["-n", pod.Name, "-batch", "-"], batch, env: null, TimeSpan.FromMinutes(5)).EnsureSuccess();
        }

        for (var i = 0; i < count; i++)
        {
            var endA = new WireEnd(1000 + i, "lab", i, podA.Path, names[i], "node-b", B.Endpoint, 1500);
            var endB = new WireEnd(5000 + i, "lab", i, podB.Path, names[i], "node-a", A.Endpoint, 1500);
            A.Relay.Attach(endA);
            B.Relay.Attach(endB);
            Wires.Add((podA, podB, endA, endB));
        }
    }

    /// <summary>As the control plane makes a wire end: a persistent TAP named local_intf, addressed, MTU set, up.</summary>
    public static void MakeTap(TempNetns pod, string address, int mtu)
    {
        pod.Exec("ip", "tuntap", "add", "dev", Interface, "mode", "tap").EnsureSuccess();
        pod.Exec("ip", "link", "set", Interface, "mtu", mtu.ToString(System.Globalization.CultureInfo.InvariantCulture), "up").EnsureSuccess();
        pod.Exec("ip", "addr", "add", $"{address}/24", "dev", Interface).EnsureSuccess();
    }

    /// <summary>/sys/class/net/eth1/carrier inside the pod: true when the pod sees LOWER_UP.</summary>
    public static bool Carrier(TempNetns pod) => pod.Exec("cat", $"/sys/class/net/{Interface}/carrier").Stdout.Trim() == "1";

    public static int IfIndex(TempNetns pod) =>
        int.Parse(pod.Exec("cat", $"/sys/class/net/{Interface}/ifindex").EnsureSuccess().Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Polls until <paramref name="condition"/> holds, up to <paramref name="timeout"/>; false when it never did.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(50);
        }

        return condition();
    }

    /// <summary>
    /// Every wire up as the relays and the pods see it: carrier on, and the kernel's operstate UP (set by linkwatch a
    /// moment after the carrier; until then the TAP's queue discards what the pod sends).
    /// </summary>
    public Task<bool> AllUpAsync(TimeSpan timeout) => EventuallyAsync(
        () => Wires.All(w => A.Relay.GetStatus(w.EndA.LocalId)?.CarrierUp == true && B.Relay.GetStatus(w.EndB.LocalId)?.CarrierUp == true)
            && Wires.All(w => w.EndA.InterfaceName != Interface || (OperUp(w.PodA) && OperUp(w.PodB))),
        timeout);

    public static bool OperUp(TempNetns pod) => pod.Exec("cat", $"/sys/class/net/{Interface}/operstate").Stdout.Trim() == "up";

    /// <summary>One ping from <paramref name="pod"/> with a generous wait (ARP first, on a loaded machine).</summary>
    public static bool Ping(TempNetns pod, string address, params string[] options) =>
        pod.Exec(["ping", "-c1", "-W5", .. options, address]).ExitCode == 0;

    /// <summary>Both relays' view of every end, for failure messages.</summary>
    public string Describe() => string.Join("; ", A.Relay.GetAll().Concat(B.Relay.GetAll())
        .Select(s => $"{s.End.LocalId}: up={s.CarrierUp} peer={s.PeerWireId} reason={s.DownReason} {s.Counters}"))
        + $" | A {A.Relay.Counters} | B {B.Relay.Counters}";

    /// <summary>Stops node-b's host (as a daemon dies: its descriptors close) and starts a new one on the same port, re-attaching its ends.</summary>
    public async Task RestartBAsync(TimeSpan downtime)
    {
        var port = B.Endpoint.Port;
        await B.DisposeAsync();
        await Task.Delay(downtime);
        B = await WireNode.StartAsync(_world, _tlsB, port);
        foreach (var wire in Wires)
        {
            B.Relay.Attach(wire.EndB);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await A.DisposeAsync();
        await B.DisposeAsync();
        foreach (var ns in _namespaces)
        {
            ns.Dispose();
        }

        _tlsA.Dispose();
        _tlsB.Dispose();
        await _world.DisposeAsync();
    }
}
