using Meshnet.Model;

namespace Meshnet.Store;

public static class TopologyStoreExtensions
{
    /// <summary>
    /// Read-modify-write of a status with optimistic concurrency: reads the object, applies <paramref name="change"/>,
    /// writes with the version it read, and on a conflict starts over from a fresh read. Returns null when the object
    /// does not exist (anymore); writes nothing when the change leaves the status as it was.
    /// </summary>
    public static async Task<Topology?> PatchStatusAsync(this ITopologyStore store, PodKey key, Func<Topology, TopologyStatus> change, CancellationToken ct = default)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = await store.GetAsync(key, ct);
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
                // Someone wrote in between: their write wins, ours is recomputed on top of it.
            }
            catch (NotFoundException)
            {
                return null;
            }
        }
    }

    /// <summary>Value equality of two statuses, lists compared element by element.</summary>
    public static bool StatusEquals(TopologyStatus a, TopologyStatus b) =>
        a.SrcIp == b.SrcIp && a.NetNs == b.NetNs && a.ContainerId == b.ContainerId && a.NodeName == b.NodeName
        && (a.PlumbingError ?? "") == (b.PlumbingError ?? "")
        && a.Skipped.SequenceEqual(b.Skipped) && a.Links.SequenceEqual(b.Links);
}
