using Meshnet.Model;

namespace Meshnet.Store;

public static class TopologyStoreExtensions
{
    /// <summary>
    /// Read-modify-write of a status with optimistic concurrency: reads the object, applies <paramref name="change"/>,
    /// writes with the version it read, and on a conflict starts over from a fresh read. Returns null when the object
    /// does not exist (anymore); writes nothing when the change leaves the status as it was.
    /// </summary>
    public static Task<Topology?> PatchStatusAsync(this ITopologyStore store, PodKey key, Func<Topology, TopologyStatus> change, CancellationToken ct = default) =>
        store.PatchStatusAsync(key, known: null, change, ct);

    /// <summary>
    /// As <see cref="PatchStatusAsync(ITopologyStore, PodKey, Func{Topology, TopologyStatus}, CancellationToken)"/>,
    /// but starting from <paramref name="known"/>, a copy the caller already holds (an informer's cache, or the object
    /// it just read or wrote), instead of reading the object first. The copy's resourceVersion is the write's
    /// precondition, so a copy that is behind the store costs one 409 and a fresh read, never another writer's update.
    /// With a current copy a change costs one request, and a change that leaves the copy's status as it is costs none:
    /// even when the store has moved on since, the caller's watch brings that newer object, as it brings every change.
    /// A null <paramref name="known"/>, or one without a resourceVersion, is read from the store.
    /// </summary>
    public static async Task<Topology?> PatchStatusAsync(this ITopologyStore store, PodKey key, Topology? known, Func<Topology, TopologyStatus> change, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(change);
        if (known is not null && known.Key != key)
        {
            throw new ArgumentException($"the known copy is {known.Key}, not {key}", nameof(known));
        }

        // Without a resourceVersion the write would be unconditional: it could overwrite a status it never saw.
        var current = known is { ResourceVersion: not null } ? known : await store.GetAsync(key, ct);
        for (var attempt = 1; ; attempt++)
        {
            if (current is null)
            {
                return null;
            }

            var status = change(current);
            if (StatusEquals(status, current.Status))
            {
                return current;
            }

            try
            {
                return await store.UpdateStatusAsync(current with { Status = status }, ct);
            }
            catch (ConflictException) when (attempt < 20)
            {
                // Someone wrote in between (or the copy was already behind): their write wins, ours is recomputed on
                // top of it.
            }
            catch (NotFoundException)
            {
                return null;
            }

            current = await store.GetAsync(key, ct);
        }
    }

    /// <summary>Value equality of two statuses, lists compared element by element.</summary>
    public static bool StatusEquals(TopologyStatus a, TopologyStatus b) =>
        a.SrcIp == b.SrcIp && a.NetNs == b.NetNs && a.ContainerId == b.ContainerId && a.NodeName == b.NodeName
        && (a.PlumbingError ?? "") == (b.PlumbingError ?? "")
        && a.Skipped.SequenceEqual(b.Skipped) && a.Links.SequenceEqual(b.Links);
}
