using Meshnet.Model;
using Meshnet.Netlink;
using Microsoft.Extensions.Logging;

namespace Meshnet.Engine;

/// <summary>
/// Makes the kernel match a set of <see cref="PlannedLink"/>s, idempotently: healthy links are left alone (a second
/// pass changes nothing), half-built or wrong ones are repaired or rebuilt, missing ones created.
/// Cost is designed around the kernel's prices (see DESIGN.md): state is read with one dump per namespace, all
/// creations for a namespace go out in one netlink batch with the peer placed directly in its namespace (no moves),
/// and devices are deleted only when they are wrong.
/// </summary>
public sealed partial class LinkEngine(ILogger<LinkEngine> logger)
{
    /// <summary>Device kinds meshnet creates, and therefore may delete when they stand in a link's way.</summary>
    private static readonly HashSet<string> ManagedKinds = new(StringComparer.Ordinal) { "veth", "macvlan", "vxlan", "tun" };

    /// <summary>Converges <paramref name="links"/>; macvlan parents are looked up in <paramref name="nodeNetNs"/> (empty: this process's namespace).</summary>
    public ConvergeResult Converge(IReadOnlyCollection<PlannedLink> links, string nodeNetNs = NamespaceView.HostPath)
    {
        using var views = new ViewSet();
        var outcomes = new Dictionary<PlannedLink, LinkOutcome>(ReferenceEqualityComparer.Instance);
        var work = new List<LinkWork>();
        foreach (var link in links)
        {
            try
            {
                work.Add(Inspect(link, views, nodeNetNs));
            }
            catch (Exception e) when (e is NetlinkException or IOException or UnauthorizedAccessException)
            {
                outcomes[link] = LinkOutcome.Failed(link, e.Message);
            }
        }

        DeleteStaleDevices(work, outcomes);
        CreateDevices(work, outcomes);
        var stats = FinishEnds(work, views, outcomes);
        foreach (var w in work)
        {
            outcomes.TryAdd(w.Link, LinkOutcome.Up(w.Link));
        }

        var failed = outcomes.Values.Count(o => o.State == LinkState.Failed);
        LogConverged(logger, links.Count, stats.Created, stats.Repaired, failed);
        return new ConvergeResult([.. links.Select(l => outcomes[l])], stats.Created, stats.Repaired);
    }

    /// <summary>
    /// Deletes the named interfaces from a namespace when they are devices meshnet manages (= <c>ip link del</c> each,
    /// in one batch). Missing namespace or interfaces are fine: removal is idempotent.
    /// </summary>
    public int RemoveInterfaces(string netNsPath, IEnumerable<string> names) => RemoveInterfaces(netNsPath, names, ManagedKinds);

    /// <summary>Deletes the named TAPs (gRPC wire ends) from a namespace; other devices under those names stay. Idempotent.</summary>
    public int RemoveTaps(string netNsPath, IEnumerable<string> names) => RemoveInterfaces(netNsPath, names, TapKind);

    private static readonly HashSet<string> TapKind = new(StringComparer.Ordinal) { "tun" };

    private int RemoveInterfaces(string netNsPath, IEnumerable<string> names, HashSet<string> kinds)
    {
        if (netNsPath != NamespaceView.HostPath && !File.Exists(netNsPath))
        {
            return 0;
        }

        NamespaceView view;
        try
        {
            view = NamespaceView.Open(netNsPath);
        }
        catch (Exception e) when (e is NetlinkException or IOException)
        {
            return 0; // the namespace went away while we looked: its devices went with it
        }

        using (view)
        {
            view.Refresh();
            var devices = names.Distinct(StringComparer.Ordinal)
                .Select(view.Link)
                .Where(dev => dev is not null && kinds.Contains(dev.Kind))
                .Select(dev => dev!.Index)
                .ToList();
            var removed = devices.Count == 0 ? 0 : DeleteTogether(view.Handle, devices);
            LogRemoved(logger, removed, netNsPath);
            return removed;
        }
    }

    /// <summary>
    /// Deletes devices of one namespace as a device group in one request (= ip link set DEV group G for each, then
    /// ip link del group G): a pod with 1500 links loses them in well under a second instead of 1500 RCU grace periods
    /// (≈ 30 s, during which the reconciler served nothing else). G is random in a range of our own; should the group
    /// delete fail, each device is deleted on its own.
    /// </summary>
    private static int DeleteTogether(NetlinkHandle handle, List<int> indexes)
    {
        var group = 0x6d000000u | (uint)Random.Shared.Next(1, 1 << 24);
        var batch = handle.Batch();
        foreach (var index in indexes)
        {
            batch.LinkSetGroup(index, group);
        }

        batch.LinkDelGroup(group);
        var results = batch.Execute();
        var grouped = results.Take(indexes.Count).Count(e => e is null);
        var gone = results.Take(indexes.Count).Count(e => e is LinkNotFoundException);
        if (results[^1] is null || (grouped == 0 && results[^1] is LinkNotFoundException))
        {
            return grouped + gone;
        }

        var one = handle.Batch();
        foreach (var index in indexes)
        {
            one.LinkDel(index);
        }

        return one.Execute().Count(e => e is null or LinkNotFoundException);
    }

    private static LinkWork Inspect(PlannedLink link, ViewSet views, string nodeNetNs)
    {
        switch (link)
        {
            case PlannedVeth veth:
                {
                    var a = views.Get(veth.Owner.NetNsPath);
                    var b = views.Get(veth.Peer.NetNsPath);
                    var w = new LinkWork(link, [new EndWork(veth.Owner, a), new EndWork(veth.Peer, b)]);
                    var devA = a.Link(veth.Owner.Intf);
                    var devB = b.Link(veth.Peer.Intf);
                    var paired = devA is { Kind: "veth" } && devB is { Kind: "veth" }
                        && devA.ParentIndex == devB.Index && devB.ParentIndex == devA.Index;
                    if (!paired)
                    {
                        w.Rebuild = true;
                        w.MarkStale(a, devA);
                        w.MarkStale(b, devB);
                    }

                    return w;
                }

            case PlannedMacvlan mac:
                {
                    var node = views.Get(nodeNetNs);
                    var pod = views.Get(mac.End.NetNsPath);
                    var w = new LinkWork(link, [new EndWork(mac.End, pod)]) { Parent = node };
                    var parent = node.Link(mac.ParentIntf);
                    if (parent is null)
                    {
                        w.Blocked = $"{mac.End.Pod}: macvlan {mac.End.Intf}: host interface \"{mac.ParentIntf}\" not found on the node";
                        return w;
                    }

                    w.ParentIndex = parent.Index;
                    var dev = pod.Link(mac.End.Intf);
                    if (dev is not { Kind: "macvlan" } || dev.ParentIndex != parent.Index)
                    {
                        w.Rebuild = true;
                        w.MarkStale(pod, dev);
                    }

                    return w;
                }

            case PlannedVxlan vx:
                {
                    var node = views.Get(nodeNetNs);
                    var pod = views.Get(vx.End.NetNsPath);
                    var w = new LinkWork(link, [new EndWork(vx.End, pod)]) { Parent = node };
                    var underlay = vx.Device is null ? node.LinkWithAddress(vx.Local) : node.Link(vx.Device);
                    if (underlay is null)
                    {
                        w.Blocked = vx.Device is null
                            ? $"{vx.End.Pod}: vxlan {vx.End.Intf}: node address {vx.Local} is on no interface of the node"
                            : $"{vx.End.Pod}: vxlan {vx.End.Intf}: underlay interface \"{vx.Device}\" (HOST_INTF) not found on the node";
                        return w;
                    }

                    // Only a pinned underlay is given to the kernel (IFLA_VXLAN_LINK): it would clamp the MTU silently,
                    // which the check below turns into a clear error first.
                    w.ParentIndex = vx.Device is null ? 0 : underlay.Index;

                    if (vx.Mtu + PlannedVxlan.Overhead > underlay.Mtu)
                    {
                        // Refuse rather than let the kernel fragment or black-hole full-size frames.
                        w.Blocked = $"{vx.End.Pod}: vxlan {vx.End.Intf}: link MTU {vx.Mtu} needs underlay MTU {vx.Mtu + PlannedVxlan.Overhead}, " +
                                    $"but {underlay.Name} has {underlay.Mtu}; lower the link's mtu or raise the underlay's";
                        return w;
                    }

                    var dev = pod.Link(vx.End.Intf);
                    if (dev is not { Kind: "vxlan" } || dev.VxlanId != vx.Vni || !vx.Remote.Equals(dev.VxlanRemote))
                    {
                        w.Rebuild = true;
                        w.MarkStale(pod, dev);
                    }

                    return w;
                }

            case PlannedGrpcWire wire:
                {
                    var pod = views.Get(wire.End.NetNsPath);
                    var w = new LinkWork(link, [new EndWork(wire.End, pod)]);
                    // A healthy TAP (persistent, kind tun) is left alone whatever the relay does with it: same ifindex
                    // across passes and daemon restarts. Anything else under its name is rebuilt.
                    if (pod.Link(wire.End.Intf) is not { Kind: "tun" } dev)
                    {
                        w.Rebuild = true;
                        w.MarkStale(pod, pod.Link(wire.End.Intf));
                    }

                    return w;
                }

            default:
                throw new NotSupportedException($"link kind {link.GetType().Name} is not plumbed by this engine");
        }
    }

    private static void DeleteStaleDevices(List<LinkWork> work, Dictionary<PlannedLink, LinkOutcome> outcomes)
    {
        var byView = work.Where(w => w.Blocked is null)
            .SelectMany(w => w.Stale.Select(s => (Work: w, s.View, s.Device)))
            .GroupBy(x => x.View);
        foreach (var group in byView)
        {
            var items = group.ToList();
            var batch = group.Key.Handle.Batch();
            foreach (var (_, _, device) in items)
            {
                batch.LinkDel(device.Index);
            }

            var errors = batch.Execute();
            for (var i = 0; i < items.Count; i++)
            {
                // Not found is fine: deleting one veth end takes its peer with it.
                if (errors[i] is { } e and not LinkNotFoundException)
                {
                    items[i].Work.Blocked = $"removing stale {items[i].Device.Name}: {e.Message}";
                }
            }
        }

        foreach (var w in work.Where(w => w.Blocked is not null))
        {
            outcomes[w.Link] = LinkOutcome.Failed(w.Link, w.Blocked!);
        }
    }

    private void CreateDevices(List<LinkWork> work, Dictionary<PlannedLink, LinkOutcome> outcomes)
    {
        var creations = work.Where(w => w.Rebuild && w.Blocked is null)
            .Select(w => (Work: w, View: w.Parent ?? w.Ends[0].View))
            .GroupBy(x => x.View);
        foreach (var group in creations)
        {
            var items = group.ToList();
            var batch = group.Key.Handle.Batch();
            var errors = new List<NetlinkException?>(items.Count);
            foreach (var (w, _) in items.Where(i => i.Work.Link is not PlannedGrpcWire))
            {
                batch.LinkAdd(DeviceFor(w));
            }

            var batched = batch.Count == 0 ? [] : batch.Execute();
            // TAPs are made through /dev/net/tun inside the namespace, not over rtnetlink: all of a namespace's from
            // one thread switched into it; FinishEnds then sets their MTU, MAC and up like any other end's.
            var taps = items.Where(i => i.Work.Link is PlannedGrpcWire).Select(i => ((PlannedGrpcWire)i.Work.Link).End.Intf).ToList();
            var tapErrors = taps.Count == 0 ? [] : TapDevice.CreatePersistent(group.Key.Namespace, taps);
            var (nextBatched, nextTap) = (0, 0);
            foreach (var (w, _) in items)
            {
                errors.Add(w.Link is PlannedGrpcWire ? tapErrors[nextTap++] : batched[nextBatched++]);
            }

            for (var i = 0; i < items.Count; i++)
            {
                if (errors[i] is { } e)
                {
                    items[i].Work.Blocked = e.Message;
                    outcomes[items[i].Work.Link] = LinkOutcome.Failed(items[i].Work.Link, e.Message);
                    LogCreateFailed(logger, items[i].Work.Link.Namespace, items[i].Work.Link.Uid, e.Message);
                }
            }
        }
    }

    private static LinkSpec DeviceFor(LinkWork w) => w.Link switch
    {
        PlannedVeth v => new Veth
        {
            Name = v.Owner.Intf,
            Mtu = v.Mtu,
            HardwareAddr = v.Owner.Mac,
            Up = true,
            PeerName = v.Peer.Intf,
            // Same namespace (a pod linked to itself) needs no peer namespace: the peer is created beside it.
            PeerNamespace = ReferenceEquals(w.Ends[0].View, w.Ends[1].View) ? null : w.Ends[1].View.Namespace,
            PeerMtu = v.Mtu,
            PeerHardwareAddr = v.Peer.Mac,
            PeerUp = true,
        },
        PlannedMacvlan m => new Macvlan
        {
            Name = m.End.Intf,
            ParentIndex = w.ParentIndex,
            Mode = MacvlanMode.Bridge,
            Mtu = m.Mtu,
            HardwareAddr = m.End.Mac,
            Up = true,
            Namespace = w.Ends[0].View.Namespace,
        },
        PlannedVxlan x => new Vxlan
        {
            Name = x.End.Intf,
            Vni = x.Vni,
            Local = x.Local,
            Remote = x.Remote,
            Port = PlannedVxlan.Port,
            ParentIndex = w.ParentIndex == 0 ? null : w.ParentIndex,
            Learning = false,
            Mtu = x.Mtu,
            HardwareAddr = x.End.Mac,
            Up = true,
            // Sent from the node's namespace, created in the pod's: the UDP socket stays on the underlay.
            Namespace = w.Ends[0].View.Namespace,
        },
        _ => throw new NotSupportedException(w.Link.GetType().Name),
    };

    /// <summary>
    /// Second look after creation: brings every end's state, MTU, MAC and addresses to the plan, and turns offloads
    /// off on new devices. Address changes go out as one batch per namespace.
    /// </summary>
    private (int Created, int Repaired) FinishEnds(List<LinkWork> work, ViewSet views, Dictionary<PlannedLink, LinkOutcome> outcomes)
    {
        var live = work.Where(w => w.Blocked is null).ToList();
        foreach (var view in live.Where(w => w.Rebuild).SelectMany(w => w.Ends).Select(e => e.View).Distinct())
        {
            view.Refresh();
        }

        var created = 0;
        var repaired = 0;
        var addrBatches = new Dictionary<NamespaceView, List<(LinkWork Work, Action<NetlinkBatch> Add)>>();
        foreach (var w in live)
        {
            var fixedSomething = false;
            foreach (var end in w.Ends)
            {
                try
                {
                    fixedSomething |= FixEnd(w, end, addrBatches);
                }
                catch (NetlinkException e)
                {
                    w.Blocked = $"{end.Spec.Pod}: {end.Spec.Intf}: {e.Message}";
                    outcomes[w.Link] = LinkOutcome.Failed(w.Link, w.Blocked);
                    break;
                }
            }

            if (w.Rebuild)
            {
                created++;
            }
            else if (fixedSomething)
            {
                repaired++;
            }
        }

        foreach (var (view, adds) in addrBatches)
        {
            var batch = view.Handle.Batch();
            foreach (var (_, add) in adds)
            {
                add(batch);
            }

            var errors = batch.Execute();
            for (var i = 0; i < adds.Count; i++)
            {
                if (errors[i] is { } e && adds[i].Work.Blocked is null)
                {
                    adds[i].Work.Blocked = e.Message;
                    outcomes[adds[i].Work.Link] = LinkOutcome.Failed(adds[i].Work.Link, $"adding address: {e.Message}");
                }
            }
        }

        return (created, repaired);
    }

    private static bool FixEnd(LinkWork w, EndWork end, Dictionary<NamespaceView, List<(LinkWork, Action<NetlinkBatch>)>> addrBatches)
    {
        var dev = end.View.Link(end.Spec.Intf)
            ?? throw new LinkNotFoundException($"{end.Spec.Pod}: interface {end.Spec.Intf} vanished after creation");
        var h = end.View.Handle;
        var changed = false;
        if (dev.Mtu != w.Link.Mtu)
        {
            h.LinkSetMtu(dev.Index, w.Link.Mtu);
            changed = true;
        }

        if (end.Spec.Mac is { } mac && !mac.Equals(dev.HardwareAddr))
        {
            h.LinkSetHardwareAddr(dev.Index, mac);
            changed = true;
        }

        if (!dev.IsUp)
        {
            h.LinkSetUp(dev.Index);
            changed = true;
        }

        // veth and macvlan ends carry frames between namespaces where checksum/segmentation offloads only defer
        // work a userspace data plane cannot do; a VXLAN end keeps them, as the kernel's own tunnels do
        // (turning them off costs about half the tunnel's TCP throughput).
        // A wire's TAP: the relay sets its offloads (TUNSETOFFLOAD) to what it can carry.
        if (w.Rebuild && w.Link is not (PlannedVxlan or PlannedGrpcWire))
        {
            h.DisableOffloads(dev.Name);
        }

        var present = end.View.Addresses(dev.Index).Where(a => !IsLinkLocal(a)).ToHashSet();
        foreach (var missing in end.Spec.Addresses.Where(a => !present.Contains(a)))
        {
            AddTo(addrBatches, end.View, (w, b => b.AddrAdd(dev.Index, missing)));
            changed = true;
        }

        foreach (var extra in present.Where(p => !end.Spec.Addresses.Contains(p)))
        {
            h.AddrDel(dev.Index, extra);
            changed = true;
        }

        return changed;
    }

    private static void AddTo<TKey, TItem>(Dictionary<TKey, List<TItem>> lists, TKey key, TItem item)
        where TKey : notnull
    {
        if (!lists.TryGetValue(key, out var list))
        {
            lists[key] = list = [];
        }

        list.Add(item);
    }

    private static bool IsLinkLocal(IpPrefix p) => p.Address.IsIPv6LinkLocal;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Converged {Links} links: {Created} created, {Repaired} repaired, {Failed} failed")]
    private static partial void LogConverged(ILogger logger, int links, int created, int repaired, int failed);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Creating link {Namespace}/uid {Uid} failed: {Error}")]
    private static partial void LogCreateFailed(ILogger logger, string @namespace, int uid, string error);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Removed {Count} interfaces from {NetNs}")]
    private static partial void LogRemoved(ILogger logger, int count, string netNs);

    /// <summary>Namespace views opened during one pass, shared by every link that touches a namespace.</summary>
    private sealed class ViewSet : IDisposable
    {
        private readonly Dictionary<string, NamespaceView> _views = new(StringComparer.Ordinal);

        public NamespaceView Get(string path)
        {
            if (!_views.TryGetValue(path, out var view))
            {
                view = NamespaceView.Open(path);
                try
                {
                    view.Refresh();
                }
                catch
                {
                    view.Dispose();
                    throw;
                }

                _views[path] = view;
            }

            return view;
        }

        public void Dispose()
        {
            foreach (var v in _views.Values)
            {
                v.Dispose();
            }
        }
    }

    private sealed record EndWork(EndpointSpec Spec, NamespaceView View);

    private sealed class LinkWork(PlannedLink link, IReadOnlyList<EndWork> ends)
    {
        public PlannedLink Link { get; } = link;

        public IReadOnlyList<EndWork> Ends { get; } = ends;

        public bool Rebuild { get; set; }

        public string? Blocked { get; set; }

        public NamespaceView? Parent { get; init; }

        public int ParentIndex { get; set; }

        public List<(NamespaceView View, LinkInfo Device)> Stale { get; } = [];

        /// <summary>Schedules <paramref name="device"/> for deletion when it is ours; blocks the link when it is not.</summary>
        public void MarkStale(NamespaceView view, LinkInfo? device)
        {
            if (device is null)
            {
                return;
            }

            if (!ManagedKinds.Contains(device.Kind))
            {
                var kind = device.Kind.Length == 0 ? "device" : $"{device.Kind} device";
                Blocked = $"interface {device.Name} already exists as a {kind} meshnet does not manage";
                return;
            }

            Stale.Add((view, device));
        }
    }
}

/// <summary>The result of one convergence pass.</summary>
public sealed record ConvergeResult(IReadOnlyList<LinkOutcome> Links, int Created, int Repaired)
{
    public IEnumerable<LinkOutcome> Failures => Links.Where(l => l.State == LinkState.Failed);
}

public sealed record LinkOutcome(PlannedLink Link, LinkState State, string? Error)
{
    public static LinkOutcome Up(PlannedLink link) => new(link, LinkState.Up, null);

    public static LinkOutcome Failed(PlannedLink link, string error) => new(link, LinkState.Failed, error);
}
