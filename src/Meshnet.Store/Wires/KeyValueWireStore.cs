using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Meshnet.Store;

/// <summary>
/// Wire records in a store's key-value area (the SQLite store's table): one entry per record under
/// <c>wire/rec/NODE/NAMESPACE/UID</c>, its value the record as JSON, so a node's records are one prefix listing.
/// </summary>
public sealed class KeyValueWireStore(IKeyValueStore kv) : IWireStore
{
    private const string Prefix = "wire/rec/";

    public async Task<IReadOnlyList<WireRecord>> ListAsync(string nodeName, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        var records = new List<WireRecord>();
        foreach (var e in await kv.ListAsync($"{Prefix}{nodeName}/", ct))
        {
            records.Add(JsonSerializer.Deserialize(e.Value, WireRecordJsonContext.Default.WireRecord)
                ?? throw new StoreException($"wire record {e.Key}: empty value"));
        }

        return [.. records.OrderBy(r => r.Namespace, StringComparer.Ordinal).ThenBy(r => r.Uid)];
    }

    public async Task PutAsync(IReadOnlyCollection<WireRecord> records, CancellationToken ct = default)
    {
        foreach (var r in records)
        {
            ArgumentException.ThrowIfNullOrEmpty(r.NodeName);
            ArgumentException.ThrowIfNullOrEmpty(r.Namespace);
            await kv.PutAsync(KeyOf(r.NodeName, r.Key), JsonSerializer.Serialize(r, WireRecordJsonContext.Default.WireRecord), ct: ct);
        }
    }

    public async Task<int> DeleteAsync(string nodeName, IReadOnlyCollection<WireKey> links, CancellationToken ct = default)
    {
        var deleted = 0;
        foreach (var link in links)
        {
            deleted += await kv.DeleteAsync(KeyOf(nodeName, link), ct: ct) ? 1 : 0;
        }

        return deleted;
    }

    private static string KeyOf(string node, WireKey link) =>
        $"{Prefix}{node}/{link.Namespace}/{link.Uid.ToString(CultureInfo.InvariantCulture)}";
}

[JsonSerializable(typeof(WireRecord))]
internal sealed partial class WireRecordJsonContext : JsonSerializerContext;
