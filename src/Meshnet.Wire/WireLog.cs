using System.Net;
using Microsoft.Extensions.Logging;

namespace Meshnet.Wire;

internal static partial class WireLog
{
    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Wire stream {Index} to node {PeerNode} at {Endpoint} connected; bound {Binds} ends")]
    public static partial void StreamConnected(ILogger logger, string peerNode, IPEndPoint endpoint, int index, int binds);

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Wire stream {Index} to node {PeerNode} at {Endpoint} failed: {Reason}")]
    public static partial void StreamFailed(ILogger logger, string peerNode, IPEndPoint endpoint, int index, string reason);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Wire end {LocalId} ({Namespace}/{Uid}, {Interface}) attached toward node {PeerNode}; offloads 0x{Offloads:x}")]
    public static partial void Attached(ILogger logger, long localId, string @namespace, int uid, string @interface, string peerNode, uint offloads);

    [LoggerMessage(EventId = 103, Level = LogLevel.Information, Message = "Wire end {LocalId} detached")]
    public static partial void Detached(ILogger logger, long localId);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Wire end {LocalId} carrier {State}{Reason}")]
    public static partial void Carrier(ILogger logger, long localId, string state, string reason);

    [LoggerMessage(EventId = 105, Level = LogLevel.Warning, Message = "Node {Caller} sent wire messages that were refused ({Count} since the last report), e.g. {Example}")]
    public static partial void Refused(ILogger logger, string caller, long count, string example);

    [LoggerMessage(EventId = 106, Level = LogLevel.Error, Message = "Wire end {LocalId}: reading its TAP failed; the end stops sending")]
    public static partial void ReadFailed(ILogger logger, long localId, Exception error);

    [LoggerMessage(EventId = 108, Level = LogLevel.Error, Message = "Wire end {LocalId}: a CarrierChanged handler failed")]
    public static partial void HandlerFailed(ILogger logger, long localId, Exception error);

    [LoggerMessage(EventId = 107, Level = LogLevel.Information, Message = "Wire stream from node {Caller} closed; unbound {Count} ends")]
    public static partial void IncomingClosed(ILogger logger, string caller, int count);
}
