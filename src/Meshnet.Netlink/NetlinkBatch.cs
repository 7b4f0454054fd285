using Meshnet.Netlink.Protocol;

namespace Meshnet.Netlink;

/// <summary>
/// Many requests sent together: they are encoded back to back and sent in a few large datagrams, each request with
/// NLM_F_ACK. The kernel runs them in order and answers each, so one failure does not stop the rest. This saves a
/// syscall round-trip and a context switch per request (see the report in the tests for numbers).
/// Not thread-safe; namespaces named by the specs must stay open until <see cref="Execute"/> returns.
/// </summary>
public sealed class NetlinkBatch
{
    // Kept well under the socket buffers (8 MiB) so that the kernel never drops acks for lack of room.
    private const int MaxMessagesPerSend = 200;
    private const int MaxBytesPerSend = 256 << 10;

    private readonly NetlinkHandle _handle;
    private readonly NetlinkMessageWriter _writer = new(64 << 10);
    private readonly List<Entry> _entries = [];
    private readonly List<object> _keepAlive = [];
    private readonly Dictionary<NetNs, PeerUps> _followUps = [];

    internal NetlinkBatch(NetlinkHandle handle) => _handle = handle;

    /// <summary>Requests queued so far.</summary>
    public int Count => _entries.Count;

    /// <summary>Queues = ip link add ... (rtnetlink kinds only: not <see cref="Tap"/>, not a <see cref="Vxlan"/> with <see cref="Vxlan.LinkNamespace"/>).</summary>
    public NetlinkBatch LinkAdd(LinkSpec link)
    {
        ArgumentNullException.ThrowIfNull(link);
        if (link is Tap or Vxlan { LinkNamespace: not null })
        {
            throw new ArgumentException(
                $"{link.GetType().Name} {link.Name} cannot be batched: taps are made through /dev/net/tun, and a vxlan with LinkNamespace must be sent " +
                "from the underlay namespace (batch on a handle opened there, with Namespace set to the pod's).",
                nameof(link));
        }

        _keepAlive.Add(link);
        if (link is Veth { PeerUp: true } veth)
        {
            // The peer can only be brought up once the pair exists, and only from its own namespace: a second
            // message, here when the peer stays in this namespace, otherwise in a follow-up batch sent from there.
            if (NetlinkHandle.PeerNamespace(veth) is { } peerNs)
            {
                FollowUp(peerNs).Add(_entries.Count, veth.PeerName);
            }
            else
            {
                return Add("LinkAdd", link.Name, (w, seq) => LinkMessages.NewLink(w, seq, link), (w, seq) => LinkMessages.SetUpByName(w, seq, veth.PeerName));
            }
        }

        return Add("LinkAdd", link.Name, (w, seq) => LinkMessages.NewLink(w, seq, link));
    }

    /// <summary>Queues = ip link del dev (by index).</summary>
    public NetlinkBatch LinkDel(int index) =>
        Add("LinkDel", $"ifindex {index}", (w, seq) => LinkMessages.DelLink(w, seq, index));

    /// <summary>Queues = ip link set dev DEV group GROUP.</summary>
    public NetlinkBatch LinkSetGroup(int index, uint group) =>
        Add("LinkSetGroup", $"ifindex {index}", (w, seq) => LinkMessages.SetGroup(w, seq, index, group));

    /// <summary>
    /// Queues = ip link del group GROUP: every device of the group in one kernel operation (≈ the cost of deleting
    /// one device, where deleting N one by one costs N RCU grace periods, 16–20 ms each). Group 0 is refused.
    /// </summary>
    public NetlinkBatch LinkDelGroup(uint group)
    {
        ArgumentOutOfRangeException.ThrowIfZero(group);
        return Add("LinkDelGroup", $"group {group}", (w, seq) => LinkMessages.DelGroup(w, seq, group));
    }

    /// <summary>Queues = ip link set dev DEV up.</summary>
    public NetlinkBatch LinkSetUp(int index) => Add("LinkSetUp", $"ifindex {index}", (w, seq) =>
    {
        LinkMessages.BeginSetLink(w, seq, index, Rt.IFF_UP, Rt.IFF_UP);
        w.EndMessage();
    });

    /// <summary>Queues = ip addr add A/P dev DEV.</summary>
    public NetlinkBatch AddrAdd(int index, IpPrefix address) =>
        Add("AddrAdd", $"{address} ifindex {index}", (w, seq) => AddrMessages.Write(w, seq, add: true, index, address));

    /// <summary>Queues = ip addr del A/P dev DEV.</summary>
    public NetlinkBatch AddrDel(int index, IpPrefix address) =>
        Add("AddrDel", $"{address} ifindex {index}", (w, seq) => AddrMessages.Write(w, seq, add: false, index, address));

    /// <summary>Queues = ip route add ....</summary>
    public NetlinkBatch RouteAdd(RouteSpec route) =>
        Add("RouteAdd", route.Destination.ToString(), (w, seq) => RouteMessages.Write(w, seq, add: true, route));

    /// <summary>
    /// Sends every queued request and returns one outcome per request, in order: null for success, otherwise the
    /// kernel's error for that request. Never stops at the first failure. The batch is empty afterwards.
    /// </summary>
    public IReadOnlyList<NetlinkException?> Execute()
    {
        var results = new NetlinkException?[_entries.Count];
        var indexBySequence = new Dictionary<uint, int>(MaxMessagesPerSend);
        var first = 0;
        while (first < _entries.Count)
        {
            var last = first;
            var start = _entries[first].Offset;
            while (last + 1 < _entries.Count
                && last + 1 - first < MaxMessagesPerSend
                && _entries[last + 1].Offset + _entries[last + 1].Length - start <= MaxBytesPerSend)
            {
                last++;
            }

            indexBySequence.Clear();
            var messages = 0;
            for (var i = first; i <= last; i++)
            {
                for (var m = 0; m < _entries[i].MessageCount; m++)
                {
                    indexBySequence[_entries[i].FirstSequence + (uint)m] = i;
                    messages++;
                }
            }

            var end = _entries[last].Offset + _entries[last].Length;
            lock (_handle.Gate)
            {
                NetlinkExchange.AcknowledgeAll(
                    _handle.Socket,
                    _writer.WrittenSpan[start..end],
                    indexBySequence,
                    messages,
                    (index, error) => results[index] ??= NetlinkExchange.ToException(error, _entries[index].Operation, _entries[index].Target));
            }

            first = last + 1;
        }

        foreach (var (ns, peerUps) in _followUps)
        {
            peerUps.Execute(ns, results);
        }

        GC.KeepAlive(_keepAlive);
        _entries.Clear();
        _keepAlive.Clear();
        _followUps.Clear();
        _writer.Clear();
        return results;
    }

    private PeerUps FollowUp(NetNs ns)
    {
        if (!_followUps.TryGetValue(ns, out var peerUps))
        {
            _followUps[ns] = peerUps = new PeerUps();
        }

        return peerUps;
    }

    /// <summary>Queues one request made of one or more messages; its outcome is the first failure among them.</summary>
    private NetlinkBatch Add(string operation, string target, params ReadOnlySpan<Action<NetlinkMessageWriter, uint>> messages)
    {
        var offset = _writer.Length;
        var first = 0u;
        for (var i = 0; i < messages.Length; i++)
        {
            var sequence = _handle.Socket.NextSequence();
            if (i == 0)
            {
                first = sequence;
            }
            else if (sequence != first + (uint)i)
            {
                throw new InvalidOperationException("The handle was used concurrently while this batch was being built.");
            }

            messages[i](_writer, sequence);
        }

        _entries.Add(new Entry(offset, _writer.Length - offset, first, messages.Length, operation, target));
        return this;
    }

    private readonly record struct Entry(int Offset, int Length, uint FirstSequence, int MessageCount, string Operation, string Target);

    /// <summary>Veth peers to bring up in one other namespace, each tied to the batch entry that created it.</summary>
    private sealed class PeerUps
    {
        private readonly List<(int Entry, string Name)> _peers = [];

        public void Add(int entry, string name) => _peers.Add((entry, name));

        public void Execute(NetNs ns, NetlinkException?[] results)
        {
            using var handle = NetlinkHandle.Open(ns);
            var batch = handle.Batch();
            foreach (var (_, name) in _peers)
            {
                batch.Add("LinkAdd", name, (w, seq) => LinkMessages.SetUpByName(w, seq, name));
            }

            var outcomes = batch.Execute();
            for (var i = 0; i < _peers.Count; i++)
            {
                results[_peers[i].Entry] ??= outcomes[i];
            }
        }
    }
}
