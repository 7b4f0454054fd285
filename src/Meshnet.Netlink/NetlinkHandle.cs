using Meshnet.Netlink.Protocol;

namespace Meshnet.Netlink;

/// <summary>
/// A NETLINK_ROUTE connection bound to one network namespace for its whole life: the socket is opened inside that
/// namespace (on a throwaway thread) and every request it sends acts there. Verbs are named after iproute2.
/// Thread-safe: requests are serialized on the socket.
/// </summary>
public sealed partial class NetlinkHandle : IDisposable
{
    private readonly NetlinkSocket _socket;
    private readonly NetlinkMessageWriter _writer = new();

    private NetlinkHandle(NetlinkSocket socket, NetNs? ns)
    {
        _socket = socket;
        Namespace = ns;
    }

    /// <summary>The namespace this handle acts in; null for the namespace of the thread that opened it.</summary>
    public NetNs? Namespace { get; }

    /// <summary>Serializes use of the socket and the shared writer.</summary>
    internal Lock Gate { get; } = new();

    internal NetlinkSocket Socket => _socket;

    /// <summary>Opens a handle in <paramref name="ns"/>, or in the calling thread's namespace when null. The handle does not own <paramref name="ns"/>.</summary>
    public static NetlinkHandle Open(NetNs? ns = null) =>
        new(ns is null ? NetlinkSocket.Open() : ns.Run(() => NetlinkSocket.Open()), ns);

    /// <summary>Starts a batch: many requests, one sendmsg per chunk, results read back in order.</summary>
    public NetlinkBatch Batch() => new(this);

    /// <summary>
    /// An AF_INET socket in this handle's namespace for ethtool ioctls, opened on first use and kept: opening one per
    /// call would cost a namespace switch (a new thread) per interface.
    /// </summary>
    internal SafeFd EthtoolSocket
    {
        get
        {
            lock (Gate)
            {
                return _ethtool ??= Namespace is null ? Ethtool.OpenSocket() : Namespace.Run(Ethtool.OpenSocket);
            }
        }
    }

    private SafeFd? _ethtool;

    public void Dispose()
    {
        _socket.Dispose();
        _ethtool?.Dispose();
    }

    private void Acknowledge(string operation, string target, Action<NetlinkMessageWriter, uint> encode)
    {
        lock (Gate)
        {
            var sequence = _socket.NextSequence();
            _writer.Clear();
            encode(_writer, sequence);
            NetlinkExchange.Acknowledge(_socket, _writer.WrittenSpan, sequence, operation, target);
        }
    }

    private T Get<T>(string operation, string target, Action<NetlinkMessageWriter, uint> encode, MessageParser<T> parser)
    {
        lock (Gate)
        {
            var sequence = _socket.NextSequence();
            _writer.Clear();
            encode(_writer, sequence);
            return NetlinkExchange.Get(_socket, _writer.WrittenSpan, sequence, parser, operation, target);
        }
    }

    private List<T> Dump<T>(string operation, Action<NetlinkMessageWriter, uint> encode, MessageParser<T> parser)
    {
        // A dump interrupted by a concurrent change is inconsistent; the kernel says so and we simply ask again.
        // Right after thousands of links come up the kernel keeps adding IPv6 link-local addresses for a while, so
        // back off a little between attempts instead of giving up after a burst of immediate retries.
        const int attempts = 50;
        for (var attempt = 1; ; attempt++)
        {
            lock (Gate)
            {
                var sequence = _socket.NextSequence();
                _writer.Clear();
                encode(_writer, sequence);
                var results = NetlinkExchange.Dump(_socket, _writer.WrittenSpan, sequence, parser, operation);
                if (results is not null)
                {
                    return results;
                }
            }

            if (attempt == attempts)
            {
                throw new NetlinkException($"{operation}: dump interrupted by concurrent changes {attempts} times in a row");
            }

            Thread.Sleep(Math.Min(attempt * 2, 20));
        }
    }
}
