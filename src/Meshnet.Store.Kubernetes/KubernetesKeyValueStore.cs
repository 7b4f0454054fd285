using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Meshnet.Store.Kubernetes;

/// <summary>
/// The store's key-value area on a cluster (VNI allocations): every entry in one ConfigMap, <c>meshnet-kv</c> in
/// namespace <c>meshnet</c>, so that every write is one compare-and-swap on that object.
/// <para>
/// A mutation reads the ConfigMap, checks the caller's <c>ifRevision</c> against the entry, and PUTs the whole
/// ConfigMap back with the resourceVersion it read; a 409 (another writer was first) or 404 (deleted meanwhile)
/// starts over from a fresh read, after a short jittered pause, at most <see cref="MaxAttempts"/> times. A missing
/// ConfigMap is created empty first (a 409 there means another node created it). Needs <c>get</c>, <c>create</c>
/// and <c>update</c> on configmaps in the namespace.
/// </para>
/// <para>
/// Revisions: an entry's revision is the ConfigMap's resourceVersion that its write replaced, read as a number (as
/// <see cref="KubernetesTopologyStore"/> reads resourceVersions). Each successful PUT replaces a different
/// resourceVersion and etcd revisions only grow, so revisions are unique and increasing, even across a delete and
/// re-create of the ConfigMap.
/// </para>
/// <para>
/// Encoding: a ConfigMap data key allows only <c>[-._a-zA-Z0-9]</c> (at most 253 characters, not starting with
/// <c>..</c>), so a store key is written as <c>k.</c> followed by its UTF-8 bytes where letters, digits and
/// <c>-</c> stay, <c>/</c> becomes <c>.</c> and every other byte becomes <c>_</c> and two hex digits
/// (<c>vni/link/lab/1</c> → <c>k.vni.link.lab.1</c>, <c>a.b</c> → <c>k.a_2Eb</c>). It is reversible, so
/// <see cref="ListAsync"/> decodes every key and filters and orders the originals. The data value is
/// <c>REVISION|VALUE</c>.
/// </para>
/// <para>
/// Limits: a ConfigMap holds at most 1 MiB, and each VNI takes two entries of about 50 bytes (<c>vni/used/N</c> and
/// <c>vni/link/NS/UID</c>), so one store holds roughly 10,000 cross-node links (20,000 entries); beyond that the API
/// server rejects the write and it fails with <see cref="StoreException"/>. All writers serialize on one object:
/// fine for allocations (one per link, ever), not for high-rate state.
/// </para>
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001", Justification = "The SemaphoreSlim never allocates a wait handle (only WaitAsync is used), so it holds nothing to dispose; the store lives as long as its connection.")]
internal sealed class KubernetesKeyValueStore : IKeyValueStore
{
    public const string DefaultNamespace = "meshnet";
    public const string DefaultConfigMapName = "meshnet-kv";

    /// <summary>Read-check-write rounds of one mutation before it fails: each lost round means another writer succeeded.</summary>
    public const int MaxAttempts = 20;

    private const string EntryPrefix = "k.";
    private const int MaxDataKeyLength = 253;

    private readonly ApiServerConnection _api;
    private readonly KubernetesStoreOptions _options;
    private readonly string _namespace;
    private readonly string _name;

    /// <summary>
    /// Writers of this process take turns, so they do not spend their attempts on conflicts among themselves; the
    /// API server's resourceVersion check is what makes writes safe across processes.
    /// </summary>
    private readonly SemaphoreSlim _writeTurn = new(1, 1);

    internal KubernetesKeyValueStore(ApiServerConnection api, KubernetesStoreOptions options, string @namespace = DefaultNamespace, string name = DefaultConfigMapName)
    {
        _api = api;
        _options = options;
        _namespace = @namespace;
        _name = name;
    }

    private string ObjectPath => $"api/v1/namespaces/{Uri.EscapeDataString(_namespace)}/configmaps/{Uri.EscapeDataString(_name)}";

    private string CollectionPath => $"api/v1/namespaces/{Uri.EscapeDataString(_namespace)}/configmaps";

    private string What => $"configmap {_namespace}/{_name}";

    public async Task<KeyValueEntry?> GetAsync(string key, CancellationToken ct = default)
    {
        var dataKey = EncodeKey(key);
        return await ReadAsync(ct) is { } map && Data(map).TryGetPropertyValue(dataKey, out var raw) ? DecodeEntry(key, raw) : null;
    }

    public Task<KeyValueEntry> PutAsync(string key, string value, long? ifRevision = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        var dataKey = EncodeKey(key);
        return MutateAsync<KeyValueEntry>(key, createIfMissing: true, (data, revision) =>
        {
            KeyValueEntry.CheckRevision(key, ifRevision, data.TryGetPropertyValue(dataKey, out var raw) ? DecodeEntry(key, raw) : null);
            data[dataKey] = revision.ToString(CultureInfo.InvariantCulture) + "|" + value;
            return (Write: true, Result: new KeyValueEntry(key, value, revision));
        }, ct);
    }

    public Task<bool> DeleteAsync(string key, long? ifRevision = null, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        var dataKey = EncodeKey(key);
        return MutateAsync<bool>(key, createIfMissing: false, (data, _) =>
        {
            if (!data.TryGetPropertyValue(dataKey, out var raw))
            {
                return (Write: false, Result: false);
            }

            KeyValueEntry.CheckRevision(key, ifRevision, DecodeEntry(key, raw));
            data.Remove(dataKey);
            return (Write: true, Result: true);
        }, ct);
    }

    public async Task<IReadOnlyList<KeyValueEntry>> ListAsync(string prefix, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (await ReadAsync(ct) is not { } map)
        {
            return [];
        }

        return [.. Data(map)
            .Where(p => p.Key.StartsWith(EntryPrefix, StringComparison.Ordinal))
            .Select(p => DecodeEntry(DecodeKey(p.Key), p.Value))
            .Where(e => e.Key.StartsWith(prefix, StringComparison.Ordinal))
            .OrderBy(e => e.Key, StringComparer.Ordinal)];
    }

    /// <summary>
    /// One compare-and-swap loop. <paramref name="change"/> gets the ConfigMap's data (to modify in place) and the
    /// revision this write will carry; it throws <see cref="ConflictException"/> for a failed precondition, or says
    /// not to write at all. It runs again on every fresh read, so preconditions are always checked on current data.
    /// Without <paramref name="createIfMissing"/>, a missing ConfigMap is not created: the change just sees no entries.
    /// </summary>
    private async Task<T> MutateAsync<T>(string key, bool createIfMissing, Func<JsonObject, long, (bool Write, T Result)> change, CancellationToken ct)
    {
        await _writeTurn.WaitAsync(ct);
        try
        {
            for (var attempt = 1; attempt <= MaxAttempts; attempt++)
            {
                if (attempt > 1)
                {
                    await Task.Delay(Backoff(attempt), _options.TimeProvider, ct);
                }

                var map = await ReadAsync(ct);
                if (map is null)
                {
                    if (!createIfMissing)
                    {
                        return change([], 0).Result; // nothing stored: the change sees no entry
                    }

                    await CreateEmptyAsync(ct);
                    continue;
                }

                var (write, result) = change(Data(map), ResourceVersionOf(map));
                if (!write)
                {
                    return result;
                }

                var (status, body) = await _api.SendAsync(HttpMethod.Put, ObjectPath, map.ToJsonString(), ApiServerConnection.Json, ct);
                if (ApiServerConnection.IsSuccess(status))
                {
                    return result;
                }

                if (status is not (HttpStatusCode.Conflict or HttpStatusCode.NotFound))
                {
                    throw ApiServerConnection.Error(status, body, $"write key {key} to {What}");
                }
            }
        }
        finally
        {
            _writeTurn.Release();
        }

        // Not a ConflictException: that would tell the caller its precondition failed, which it did not.
        throw new StoreException($"write key {key} to {What}: lost the race to other writers {MaxAttempts} times in a row");
    }

    /// <summary>The ConfigMap as stored, or null when there is none.</summary>
    private async Task<JsonObject?> ReadAsync(CancellationToken ct)
    {
        var (status, body) = await _api.SendAsync(HttpMethod.Get, ObjectPath, null, ApiServerConnection.Json, ct);
        if (status == HttpStatusCode.NotFound)
        {
            return null;
        }

        if (!ApiServerConnection.IsSuccess(status))
        {
            throw ApiServerConnection.Error(status, body, $"get {What}");
        }

        try
        {
            return JsonNode.Parse(body) as JsonObject ?? throw new StoreException($"get {What}: the answer is not an object");
        }
        catch (JsonException e)
        {
            throw new StoreException($"get {What}: the API server's answer is not JSON: {e.Message}", e);
        }
    }

    /// <summary>Creates the ConfigMap with no entries; one that another node created meanwhile is just as good.</summary>
    private async Task CreateEmptyAsync(CancellationToken ct)
    {
        var body = new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "ConfigMap",
            ["metadata"] = new JsonObject
            {
                ["name"] = _name,
                ["namespace"] = _namespace,
                ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "meshnet" },
            },
            ["data"] = new JsonObject(),
        }.ToJsonString();
        var (status, text) = await _api.SendAsync(HttpMethod.Post, CollectionPath, body, ApiServerConnection.Json, ct);
        if (!ApiServerConnection.IsSuccess(status) && status != HttpStatusCode.Conflict)
        {
            throw ApiServerConnection.CreateError(status, text, $"create {What}", _namespace);
        }
    }

    /// <summary>The ConfigMap's data, created empty when absent (the API server omits an empty <c>data</c>).</summary>
    private static JsonObject Data(JsonObject map) => map["data"] as JsonObject ?? (JsonObject)(map["data"] = new JsonObject());

    private long ResourceVersionOf(JsonObject map) =>
        map["metadata"]?["resourceVersion"] is JsonValue v && v.TryGetValue<string>(out var s)
            && long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var revision) && revision > 0
            ? revision
            : throw new StoreException($"{What}: resourceVersion is not a positive number");

    private KeyValueEntry DecodeEntry(string key, JsonNode? raw)
    {
        var text = raw is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var bar = text?.IndexOf('|', StringComparison.Ordinal) ?? -1;
        return bar > 0 && long.TryParse(text.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var revision)
            ? new KeyValueEntry(key, text![(bar + 1)..], revision)
            : throw new StoreException($"{What}: the entry of key {key} is not REVISION|VALUE (was the ConfigMap edited by hand?)");
    }

    /// <summary>The ConfigMap data key of a store key (see the class comment).</summary>
    internal static string EncodeKey(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var encoded = new StringBuilder(EntryPrefix, EntryPrefix.Length + key.Length);
        foreach (var b in Encoding.UTF8.GetBytes(key))
        {
            if (b == '/')
            {
                encoded.Append('.');
            }
            else if (b is (byte)'-' or (>= (byte)'0' and <= (byte)'9') or (>= (byte)'a' and <= (byte)'z') or (>= (byte)'A' and <= (byte)'Z'))
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('_').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }

        return encoded.Length <= MaxDataKeyLength
            ? encoded.ToString()
            : throw new ArgumentException($"key {key} is too long for a ConfigMap: {encoded.Length} characters encoded, at most {MaxDataKeyLength}", nameof(key));
    }

    /// <summary>The store key of a ConfigMap data key written by <see cref="EncodeKey"/>.</summary>
    internal static string DecodeKey(string dataKey)
    {
        var bytes = new List<byte>(dataKey.Length);
        for (var i = EntryPrefix.Length; i < dataKey.Length; i++)
        {
            switch (dataKey[i])
            {
                case '.':
                    bytes.Add((byte)'/');
                    break;
                case '_' when i + 2 < dataKey.Length && byte.TryParse(dataKey.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b):
                    bytes.Add(b);
                    i += 2;
                    break;
                case var c and ((>= '0' and <= '9') or (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '-'):
                    bytes.Add((byte)c);
                    break;
                default:
                    throw new StoreException($"ConfigMap data key {dataKey} is not an encoded store key");
            }
        }

        return Encoding.UTF8.GetString([.. bytes]);
    }

    /// <summary>Up to 5 ms, 10 ms, 20 ms … 1 s, random, so racing writers spread out instead of colliding again.</summary>
    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * Math.Min(1000, 5 * Math.Pow(2, Math.Min(attempt - 2, 10))));
}
