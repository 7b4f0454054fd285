using System.Collections.Concurrent;
using System.Globalization;
using Meshnet.Store;

namespace Meshnet.Engine;

/// <summary>
/// VXLAN network identifiers, allocated through the store so they never collide on a node, whatever the number of
/// namespaces and topologies, and so both ends of a link agree without talking to each other: the first node to
/// need a VNI for (namespace, uid) claims a free number with a create-only write, then records it for the link with
/// another create-only write; a node that loses that race drops its claim and uses the winner's number.
/// VNIs are unique across the whole store (the safe choice: every node's underlay socket demultiplexes by VNI).
/// </summary>
public sealed class VniAllocator(IKeyValueStore kv)
{
    /// <summary>Start of the range, as the original meshnet (5000 + uid) so ids look familiar.</summary>
    public const int First = 5000;

    public const int Last = 16_777_215;

    private const string LinkPrefix = "vni/link/";
    private const string UsedPrefix = "vni/used/";

    private readonly ConcurrentDictionary<(string Namespace, int Uid), int> _known = new();

    /// <summary>The VNI of a link if this process has seen it; never blocks.</summary>
    public int? Known(string @namespace, int uid) => _known.TryGetValue((@namespace, uid), out var vni) ? vni : null;

    /// <summary>Loads every allocation (once, at start).</summary>
    public async Task LoadAsync(CancellationToken ct = default)
    {
        foreach (var e in await kv.ListAsync(LinkPrefix, ct))
        {
            if (ParseLinkKey(e.Key) is { } id && int.TryParse(e.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var vni))
            {
                _known[id] = vni;
            }
        }
    }

    /// <summary>The link's VNI, allocating one if nobody has yet.</summary>
    public async Task<int> AllocateAsync(string @namespace, int uid, CancellationToken ct = default)
    {
        var linkKey = LinkKey(@namespace, uid);
        if (await kv.GetAsync(linkKey, ct) is { } existing)
        {
            return Remember(@namespace, uid, existing.Value);
        }

        var owner = $"{@namespace}/{uid.ToString(CultureInfo.InvariantCulture)}";
        // Start where uid points (5000 + uid, as people expect), then probe upwards past numbers in use.
        var candidate = First + (int)((uint)uid % (uint)(Last - First));
        for (var probes = 0; probes < 100_000; probes++, candidate = candidate == Last ? First : candidate + 1)
        {
            var usedKey = UsedPrefix + candidate.ToString(CultureInfo.InvariantCulture);
            try
            {
                await kv.PutAsync(usedKey, owner, ifRevision: 0, ct);
            }
            catch (ConflictException)
            {
                if ((await kv.GetAsync(usedKey, ct))?.Value != owner)
                {
                    continue; // someone else's
                }

                // Our own claim from an interrupted earlier attempt: reuse it.
            }

            try
            {
                await kv.PutAsync(linkKey, candidate.ToString(CultureInfo.InvariantCulture), ifRevision: 0, ct);
                _known[(@namespace, uid)] = candidate;
                return candidate;
            }
            catch (ConflictException)
            {
                // The other end's node allocated first: use its number. Give ours back only if it differs — both
                // ends probe from the same start, so the claim we "reused" above may be the winner's own.
                var winner = await kv.GetAsync(linkKey, ct) ?? throw new StoreException($"VNI of {owner} vanished while allocating");
                if (winner.Value != candidate.ToString(CultureInfo.InvariantCulture))
                {
                    await kv.DeleteAsync(usedKey, ct: ct);
                }

                return Remember(@namespace, uid, winner.Value);
            }
        }

        throw new StoreException($"no free VNI for {owner}: {Last - First + 1} in use");
    }

    /// <summary>Frees the link's VNI (when no Topology declares the link any more). Missing is fine.</summary>
    public async Task ReleaseAsync(string @namespace, int uid, CancellationToken ct = default)
    {
        _known.TryRemove((@namespace, uid), out _);
        if (await kv.GetAsync(LinkKey(@namespace, uid), ct) is { } entry)
        {
            await kv.DeleteAsync(UsedPrefix + entry.Value, ct: ct);
            await kv.DeleteAsync(entry.Key, ct: ct);
        }
    }

    /// <summary>Frees every VNI allocated for links of <paramref name="namespace"/> (one prefix listing, not a lookup per uid).</summary>
    public async Task<int> ReleaseNamespaceAsync(string @namespace, CancellationToken ct = default)
    {
        var entries = await kv.ListAsync($"{LinkPrefix}{@namespace}/", ct);
        foreach (var entry in entries)
        {
            if (ParseLinkKey(entry.Key) is { } id)
            {
                _known.TryRemove(id, out _);
            }

            await kv.DeleteAsync(UsedPrefix + entry.Value, ct: ct);
            await kv.DeleteAsync(entry.Key, ct: ct);
        }

        return entries.Count;
    }

    private int Remember(string @namespace, int uid, string value)
    {
        var vni = int.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
        _known[(@namespace, uid)] = vni;
        return vni;
    }

    private static string LinkKey(string @namespace, int uid) => $"{LinkPrefix}{@namespace}/{uid.ToString(CultureInfo.InvariantCulture)}";

    private static (string, int)? ParseLinkKey(string key)
    {
        var rest = key[LinkPrefix.Length..];
        var slash = rest.LastIndexOf('/');
        return slash > 0 && int.TryParse(rest[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            ? (rest[..slash], uid)
            : null;
    }
}
