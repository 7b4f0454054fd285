using System.Collections.Concurrent;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using Meshnet.Model;

namespace Meshnet.Store.Kubernetes;

/// <summary>
/// The store on a Kubernetes cluster: one <c>Topology</c> custom resource (networkop.co.uk/v1beta1) per pod.
/// Spec and labels are written through the object, status only through its status subresource, every write with
/// the object's resourceVersion as precondition where the caller gave one (409 becomes
/// <see cref="ConflictException"/>). Revisions are the API server's resourceVersions (etcd revisions).
/// </summary>
public sealed class KubernetesTopologyStore : ITopologyStore
{
    private const int MaxApplyAttempts = 10;

    /// <summary>Page size of lists, so that a large cluster is read in bounded responses.</summary>
    private const int ListPageSize = 500;

    private readonly ApiServerConnection _api;
    private readonly KubernetesStoreOptions _options;
    private readonly CancellationTokenSource _disposed = new();
    private readonly TopologyEventRecorder _events;

    /// <summary>uid of every Topology this store has seen, so recording an Event needs no extra read.</summary>
    private readonly ConcurrentDictionary<PodKey, string> _uids = new();

    internal KubernetesTopologyStore(k8s.Kubernetes client, KubernetesStoreOptions options)
    {
        _options = options;
        _api = new ApiServerConnection(client, options);
        _events = new TopologyEventRecorder(_api, options);
    }

    /// <summary>TLS Secrets over this store's connection (the daemon keeps the cluster CA in one).</summary>
    public KubernetesTlsSecrets TlsSecrets => new(_api);

    /// <summary>
    /// The key-value area (VNI allocations) in ConfigMap <c>meshnet-kv</c> of namespace <c>meshnet</c>; one instance
    /// per store, so this process's writers take turns (see <see cref="KubernetesKeyValueStore"/>).
    /// </summary>
    public IKeyValueStore KeyValues => field ??= new KubernetesKeyValueStore(_api, _options);

    /// <summary>The gRPC wires each node terminates, in GWireKObj objects (see <see cref="KubernetesWireStore"/>).</summary>
    public IWireStore Wires => field ??= new KubernetesWireStore(_api);

    /// <summary>
    /// Connects to the cluster: <paramref name="config"/> when given, else the pod's service account when running in
    /// a pod, else KUBECONFIG or ~/.kube/config. Fails with <see cref="StoreException"/> when the Topology CRD is
    /// not installed (<c>kubectl apply -k deploy/kustomize/base</c>).
    /// </summary>
    public static async Task<KubernetesTopologyStore> ConnectAsync(
        KubernetesClientConfiguration? config = null, KubernetesStoreOptions? options = null, CancellationToken ct = default)
    {
        options ??= new KubernetesStoreOptions();
        config ??= KubernetesClientConfiguration.IsInCluster()
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildDefaultConfig();
        var client = new k8s.Kubernetes(config, new ClientRateLimitHandler(options.Qps, options.Burst));
        var store = new KubernetesTopologyStore(client, options);
        try
        {
            await store.CheckCrdServedAsync(ct);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public async Task<Topology?> GetAsync(PodKey key, CancellationToken ct = default)
    {
        var (status, body) = await _api.SendAsync(HttpMethod.Get, ObjectPath(key), null, ApiServerConnection.Json, ct);
        return status switch
        {
            HttpStatusCode.NotFound => null,
            _ when ApiServerConnection.IsSuccess(status) => Remember(body),
            _ => throw ApiServerConnection.Error(status, body, $"get topology {key}"),
        };
    }

    public async Task<TopologyList> ListAsync(string? @namespace = null, CancellationToken ct = default)
    {
        var items = new List<Topology>();
        long revision = 0;
        string? next = null;
        do
        {
            var query = $"?limit={ListPageSize}" + (next is null ? "" : $"&continue={Uri.EscapeDataString(next)}");
            var body = await _api.SendOrThrowAsync(HttpMethod.Get, CustomResources.CollectionPath(CustomResources.TopologyPlural, @namespace) + query,
                null, ApiServerConnection.Json, "list topologies", ct);
            using var doc = JsonDocument.Parse(body);
            // Every page is read at the first page's revision, so that one is the list's.
            revision = next is null ? TopologyWire.ResourceVersionOf(doc.RootElement) : revision;
            foreach (var item in doc.RootElement.GetProperty("items").EnumerateArray())
            {
                items.Add(Remember(TopologyWire.Parse(item)));
            }

            next = doc.RootElement.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("continue", out var c) && c.GetString() is { Length: > 0 } token
                ? token
                : null;
        }
        while (next is not null);

        return new TopologyList(items, revision);
    }

    public async Task<Topology> ApplyAsync(Topology topology, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(topology);
        ArgumentException.ThrowIfNullOrEmpty(topology.Namespace);
        ArgumentException.ThrowIfNullOrEmpty(topology.Name);
        for (var attempt = 1; ; attempt++)
        {
            var current = await GetAsync(topology.Key, ct);
            HttpStatusCode status;
            string body;
            if (current is null)
            {
                (status, body) = await _api.SendAsync(HttpMethod.Post, CustomResources.CollectionPath(CustomResources.TopologyPlural, topology.Namespace),
                    TopologyWire.CreateBody(topology), ApiServerConnection.Json, ct);
            }
            else
            {
                if (topology.ResourceVersion is { } wanted && wanted != current.ResourceVersion)
                {
                    throw new ConflictException($"topology {topology.Key} was modified: resourceVersion {wanted} is stale, current is {current.ResourceVersion}");
                }

                if (TopologyWire.SameSpecAndLabels(current, topology))
                {
                    return current;
                }

                (status, body) = await _api.SendAsync(HttpMethod.Patch, ObjectPath(topology.Key),
                    TopologyWire.SpecPatch(topology, topology.ResourceVersion ?? current.ResourceVersion!), ApiServerConnection.JsonPatch, ct);
            }

            if (ApiServerConnection.IsSuccess(status))
            {
                return Remember(body);
            }

            // Created, changed or deleted by someone else since our read: an unconditional apply starts over from a fresh read.
            var raced = status == HttpStatusCode.NotFound || (status == HttpStatusCode.Conflict && (current is null || topology.ResourceVersion is null));
            if (!raced || attempt == MaxApplyAttempts)
            {
                throw ApiServerConnection.Error(status, body, $"apply topology {topology.Key}");
            }
        }
    }

    public async Task<Topology> UpdateStatusAsync(Topology topology, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(topology);
        var body = await _api.SendOrThrowAsync(HttpMethod.Patch, StatusPath(topology.Key),
            TopologyWire.StatusPatch(topology.Status, topology.ResourceVersion), ApiServerConnection.JsonPatch,
            $"update status of topology {topology.Key}", ct);
        return Remember(body);
    }

    public async Task<bool> DeleteAsync(PodKey key, CancellationToken ct = default)
    {
        var (status, body) = await _api.SendAsync(HttpMethod.Delete, ObjectPath(key), null, ApiServerConnection.Json, ct);
        if (status == HttpStatusCode.NotFound)
        {
            return false;
        }

        _uids.TryRemove(key, out _);
        return ApiServerConnection.IsSuccess(status) ? true : throw ApiServerConnection.Error(status, body, $"delete topology {key}");
    }

    /// <summary>
    /// List+watch semantics over one or more watch requests: reconnects from the last resourceVersion seen (events
    /// and bookmarks) whenever the server ends the stream or the connection drops. 410 Gone becomes
    /// <see cref="ExpiredException"/>. <paramref name="fromRevision"/> 0 means "now": the current objects arrive as
    /// Added (Kubernetes keeps no history from the beginning). Ends quietly when the store is disposed.
    /// </summary>
    public async IAsyncEnumerable<TopologyEvent> WatchAsync(string? @namespace, long fromRevision, [EnumeratorCancellation] CancellationToken ct)
    {
        using var watch = new TopologyWatchStream(_api, _options, @namespace, fromRevision, _disposed.Token);
        while (await watch.NextAsync(ct) is { } e)
        {
            if (e.Type == TopologyEventType.Deleted)
            {
                _uids.TryRemove(e.Object.Key, out _);
            }
            else if (watch.LastUid is { } uid)
            {
                _uids[e.Object.Key] = uid;
            }

            yield return e;
        }
    }

    /// <summary>
    /// Records a core/v1 Event on the pod's Topology (what <c>kubectl describe topo NAME</c> and
    /// <c>kubectl get events</c> show), e.g. a plumbing failure. Repeats of the same event bump its count instead of
    /// creating new objects. An Event is a diagnostic: failing to record one returns false rather than failing the
    /// caller's work.
    /// </summary>
    public async Task<bool> RecordEventAsync(PodKey pod, string reason, string message, bool warning, CancellationToken ct = default)
    {
        if (!_uids.TryGetValue(pod, out var uid))
        {
            try
            {
                _ = await GetAsync(pod, ct);
            }
            catch (Exception e) when (e is StoreException or HttpRequestException)
            {
                // The Event is still worth recording without a uid.
            }

            uid = _uids.GetValueOrDefault(pod);
        }

        return await _events.RecordAsync(pod, uid, reason, message, warning, ct);
    }

    public ValueTask DisposeAsync()
    {
        if (!_disposed.IsCancellationRequested)
        {
            _disposed.Cancel();
            _api.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    private async Task CheckCrdServedAsync(CancellationToken ct)
    {
        var (status, body) = await _api.SendAsync(HttpMethod.Get, $"apis/{CustomResources.Group}/{CustomResources.Version}", null, ApiServerConnection.Json, ct);
        if (status == HttpStatusCode.NotFound || (ApiServerConnection.IsSuccess(status) && !body.Contains($"\"{CustomResources.TopologyPlural}\"", StringComparison.Ordinal)))
        {
            throw new StoreException($"the API server does not serve {CustomResources.TopologyPlural}.{CustomResources.Group}/{CustomResources.Version}: install the CRDs (kubectl apply -k deploy/kustomize/base)");
        }

        if (!ApiServerConnection.IsSuccess(status))
        {
            throw ApiServerConnection.Error(status, body, "discover networkop.co.uk/v1beta1");
        }
    }

    private Topology Remember(string json) => Remember(TopologyWire.Parse(json));

    private Topology Remember((Topology Topology, string? Uid) parsed)
    {
        if (parsed.Uid is { } uid)
        {
            _uids[parsed.Topology.Key] = uid;
        }

        return parsed.Topology;
    }

    private static string ObjectPath(PodKey key) => CustomResources.ObjectPath(CustomResources.TopologyPlural, key.Namespace, key.Name);

    private static string StatusPath(PodKey key) => CustomResources.StatusPath(CustomResources.TopologyPlural, key.Namespace, key.Name);
}
