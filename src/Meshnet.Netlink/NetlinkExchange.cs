using Meshnet.Netlink.Protocol;

namespace Meshnet.Netlink;

internal delegate T MessageParser<out T>(in NetlinkMessage message);

/// <summary>Request/reply patterns over one socket: ack, get, dump, and a pipelined batch of acks.</summary>
internal static class NetlinkExchange
{
    /// <summary>Sends one request carrying NLM_F_ACK and waits for its ack; a kernel error becomes an exception.</summary>
    public static void Acknowledge(NetlinkSocket socket, ReadOnlySpan<byte> request, uint sequence, string operation, string target)
    {
        socket.Send(request);
        while (true)
        {
            foreach (var message in NetlinkReader.Messages(socket.Receive()))
            {
                if (message.Header.Sequence == sequence && message.Header.Type == Nl.NLMSG_ERROR)
                {
                    ThrowIfError(NetlinkError.Decode(message), operation, target);
                    return;
                }
            }
        }
    }

    /// <summary>Sends a single-object GET and parses the one reply.</summary>
    public static T Get<T>(NetlinkSocket socket, ReadOnlySpan<byte> request, uint sequence, MessageParser<T> parser, string operation, string target)
    {
        socket.Send(request);
        while (true)
        {
            foreach (var message in NetlinkReader.Messages(socket.Receive()))
            {
                if (message.Header.Sequence != sequence)
                {
                    continue;
                }

                if (message.Header.Type == Nl.NLMSG_ERROR)
                {
                    ThrowIfError(NetlinkError.Decode(message), operation, target);
                    throw new NetlinkException($"{operation} {target}: the kernel acknowledged without a reply");
                }

                return parser(message);
            }
        }
    }

    /// <summary>
    /// Sends a dump request and parses every reply message up to NLMSG_DONE. Returns null when the kernel flagged the
    /// dump as interrupted (the table changed while it was read): the caller retries with a fresh request.
    /// </summary>
    public static List<T>? Dump<T>(NetlinkSocket socket, ReadOnlySpan<byte> request, uint sequence, MessageParser<T> parser, string operation)
    {
        socket.Send(request);
        var results = new List<T>();
        var interrupted = false;
        while (true)
        {
            foreach (var message in NetlinkReader.Messages(socket.Receive()))
            {
                if (message.Header.Sequence != sequence)
                {
                    continue;
                }

                interrupted |= (message.Header.Flags & Nl.NLM_F_DUMP_INTR) != 0;
                switch (message.Header.Type)
                {
                    case Nl.NLMSG_DONE:
                        return interrupted ? null : results;
                    case Nl.NLMSG_ERROR:
                        ThrowIfError(NetlinkError.Decode(message), operation, "dump");
                        return interrupted ? null : results;
                    case Nl.NLMSG_NOOP:
                        continue;
                    default:
                        results.Add(parser(message));
                        break;
                }
            }
        }
    }

    /// <summary>
    /// Sends already-concatenated requests (each with NLM_F_ACK) in one datagram and collects one ack per request.
    /// The kernel handles them in order and keeps going after a failure, so every request gets its own outcome.
    /// </summary>
    public static void AcknowledgeAll(
        NetlinkSocket socket,
        ReadOnlySpan<byte> requests,
        IReadOnlyDictionary<uint, int> indexBySequence,
        int expected,
        Action<int, NetlinkError> onAck)
    {
        socket.Send(requests);
        var pending = expected;
        while (pending > 0)
        {
            foreach (var message in NetlinkReader.Messages(socket.Receive()))
            {
                if (message.Header.Type == Nl.NLMSG_ERROR && indexBySequence.TryGetValue(message.Header.Sequence, out var index))
                {
                    onAck(index, NetlinkError.Decode(message));
                    pending--;
                }
            }
        }
    }

    public static NetlinkException? ToException(NetlinkError error, string operation, string target) => error.Errno switch
    {
        0 => null,
        Interop.ENODEV => new LinkNotFoundException(operation, target, error.Errno, error.ExtAck),
        _ => new NetlinkException(operation, target, error.Errno, error.ExtAck),
    };

    private static void ThrowIfError(NetlinkError error, string operation, string target)
    {
        if (ToException(error, operation, target) is { } exception)
        {
            throw exception;
        }
    }
}
