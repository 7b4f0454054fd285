using Meshnet.Netlink;

namespace Meshnet.Ctl.Lab.Containers;

/// <summary>
/// The containers of a whole lab: started once the pods' links exist (so nothing inside has to wait for its
/// interfaces), several pods at a time, and removed with the lab. Without a container engine the lab runs without
/// containers, and says so once.
/// </summary>
internal sealed class LabContainers(ContainerEngine? engine, TextWriter progress)
{
    /// <summary>Pods whose containers start at the same time: podman serializes on its store beyond a few.</summary>
    private const int Parallelism = 4;

    /// <summary>Starts or converges every pod's containers; returns how many pods failed (each reported).</summary>
    public async Task<int> UpAsync(string lab, LabDefinition definition, CancellationToken ct)
    {
        var pods = definition.Pods.Values.ToList();
        if (engine is null)
        {
            if (pods.Count > 0)
            {
                progress.WriteLine($"lab {lab}: no container engine (podman) on this machine: {pods.Count} pods run without their containers");
            }

            return 0;
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        int removed;
        try
        {
            removed = await engine.RemoveLabAsync(lab, pods.Select(p => p.Name).ToHashSet(StringComparer.Ordinal), ct);
        }
        catch (ContainerEngineException e)
        {
            progress.WriteLine($"lab {lab}: containers not started: {e.Message}");
            return Math.Max(1, pods.Count);
        }

        if (pods.Count == 0)
        {
            if (removed > 0)
            {
                progress.WriteLine($"lab {lab}: removed {removed} containers of pods no longer in the file");
            }

            return 0;
        }

        var started = 0;
        var failures = new List<string>();
        using var gate = new SemaphoreSlim(Parallelism);
        await Task.WhenAll(pods.Select(async pod =>
        {
            await gate.WaitAsync(ct);
            try
            {
                var n = await engine.ApplyPodAsync(lab, pod, NetNs.PathOf(LabNames.NetNsName(lab, pod.Name)), ct);
                Interlocked.Add(ref started, n);
            }
            catch (Exception e) when (e is ContainerEngineException or NetlinkException)
            {
                lock (failures)
                {
                    failures.Add(e is NetlinkException ? $"{pod.Name}: its network namespace is not there: {e.Message}" : e.Message);
                }
            }
            finally
            {
                gate.Release();
            }
        }));

        foreach (var failure in failures.Order(StringComparer.Ordinal))
        {
            progress.WriteLine($"  {failure}");
        }

        progress.WriteLine(
            $"lab {lab}: containers of {pods.Count} pods: {started} started, {removed} removed, {failures.Count} pods failed in {clock.Elapsed.TotalSeconds:0.00} s");
        return failures.Count;
    }

    /// <summary>Removes every container of the lab; returns how many.</summary>
    public async Task<int> DownAsync(string lab, CancellationToken ct)
    {
        if (engine is null)
        {
            return 0;
        }

        int removed;
        try
        {
            removed = await engine.RemoveLabAsync(lab, new HashSet<string>(), ct);
        }
        catch (ContainerEngineException e)
        {
            // The namespaces still go: a container left behind holds only its own namespace's reference.
            progress.WriteLine($"lab {lab}: could not remove containers: {e.Message}");
            return 0;
        }

        if (removed > 0)
        {
            progress.WriteLine($"lab {lab}: removed {removed} containers");
        }

        return removed;
    }
}
