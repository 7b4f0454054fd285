using Meshnet.Model;

namespace Meshnet.Store;

/// <summary>
/// Where topologies and pod runtime state live. The Kubernetes store (custom resources) and the embedded SQLite
/// store implement the same contract and are tested by the same suite: writes are optimistic (a stale
/// <see cref="Topology.ResourceVersion"/> fails with <see cref="ConflictException"/>), spec and status are written
/// separately (as with the status subresource), and every change is observable through <see cref="WatchAsync"/>.
/// </summary>
public interface ITopologyStore : IAsyncDisposable
{
    /// <summary>The object, or null when it does not exist.</summary>
    Task<Topology?> GetAsync(PodKey key, CancellationToken ct = default);

    /// <summary>All objects, in one namespace or (null) all namespaces, with the revision the list was taken at.</summary>
    Task<TopologyList> ListAsync(string? @namespace = null, CancellationToken ct = default);

    /// <summary>
    /// Creates the object, or replaces its spec and labels when it exists (like <c>kubectl apply</c>); the status is
    /// kept. A spec identical to the stored one changes nothing (no new revision, no event).
    /// </summary>
    Task<Topology> ApplyAsync(Topology topology, CancellationToken ct = default);

    /// <summary>
    /// Writes the status only. When <paramref name="topology"/> carries a ResourceVersion it must be current, else
    /// <see cref="ConflictException"/>; when null the write is unconditional. <see cref="NotFoundException"/> when absent.
    /// </summary>
    Task<Topology> UpdateStatusAsync(Topology topology, CancellationToken ct = default);

    /// <summary>Deletes the object; false when it did not exist.</summary>
    Task<bool> DeleteAsync(PodKey key, CancellationToken ct = default);

    /// <summary>
    /// Every change after <paramref name="fromRevision"/> (exclusive), in order, then live changes until cancelled.
    /// <see cref="ExpiredException"/> when that revision is too old to replay: relist and watch from the list's revision.
    /// </summary>
    IAsyncEnumerable<TopologyEvent> WatchAsync(string? @namespace, long fromRevision, CancellationToken ct);
}

public sealed record TopologyList(IReadOnlyList<Topology> Items, long Revision);

public enum TopologyEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>A change: the object as it was after it (for Deleted, as it was last stored).</summary>
public sealed record TopologyEvent(TopologyEventType Type, Topology Object, long Revision);

public class StoreException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>The write carried a stale resource version (HTTP 409 in Kubernetes).</summary>
public sealed class ConflictException(string message) : StoreException(message);

/// <summary>The object does not exist (HTTP 404).</summary>
public sealed class NotFoundException(string message) : StoreException(message);

/// <summary>The requested watch revision has been compacted away (HTTP 410 Gone).</summary>
public sealed class ExpiredException(string message) : StoreException(message);
