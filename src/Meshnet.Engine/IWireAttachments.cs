using Meshnet.Model;

namespace Meshnet.Engine;

/// <summary>
/// The data path of this node's gRPC wire ends as the reconciler drives it (the daemon adapts its relay): after each
/// pass, every planned end whose TAP is built is attached, every end no longer planned detached.
/// </summary>
public interface IWireAttachments
{
    /// <summary>Starts (or updates) relaying for the wire's end; idempotent.</summary>
    void Attach(PlannedGrpcWire wire);

    /// <summary>Stops relaying for the end with this id (the TAP stays until the engine deletes it); unknown ids are fine.</summary>
    void Detach(long localId);

    /// <summary>The attached end's carrier and counters, or null when not attached.</summary>
    WireEndState? StateOf(long localId);
}

/// <summary>An attached wire end as the data path sees it.</summary>
/// <param name="DownReason">Why the carrier is off; null when up.</param>
/// <param name="PeerWireId">The id the peer node assigned to its end, 0 until learnt.</param>
public sealed record WireEndState(bool CarrierUp, string? DownReason, long PeerWireId, LinkCounters Counters);

/// <summary>gRPC mode (INTER_NODE_LINK_TYPE=GRPC): this node's wire ids and records, and its data path.</summary>
public sealed record GrpcWireOptions(WireBook Book, IWireAttachments Attachments);
