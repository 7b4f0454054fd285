using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Meshnet.Store.Kubernetes.Tests.Fixture;

/// <summary>
/// An in-process Kubernetes API server for meshnet's resources, over real HTTP/JSON on 127.0.0.1: Topologies and
/// GWireKObjs (namespaced, with status subresources), core/v1 Events, Secrets, ConfigMaps, Namespaces and CRDs, with the semantics the
/// store relies on (see <see cref="ApiObjectStore"/>): resourceVersions from one counter, 409 on stale writes, spec
/// and status written separately, watch streams with bookmarks, 410 for compacted revisions, 404. It counts the
/// requests it serves per verb and resource so tests and benchmarks can tell how chatty a client is. Like a real
/// cluster it starts with the namespaces default, kube-system, kube-public and kube-node-lease, and refuses to create
/// an object in a namespace that does not exist (the NamespaceLifecycle admission plugin): a test that needs another
/// namespace creates it, as an operator would.
/// </summary>
public sealed class FakeApiServer : IAsyncDisposable
{
    private static readonly Dictionary<string, ApiResource> CustomKinds = new()
    {
        [CustomResources.TopologyPlural] = new(CustomResources.TopologyPlural, HasStatusSubresource: true),
        [CustomResources.GWireKObjPlural] = new(CustomResources.GWireKObjPlural, HasStatusSubresource: true),
    };

    /// <summary>kubectl's tables of the custom resources, from the CRDs in deploy/ (as the real server builds them from the installed CRD).</summary>
    private static readonly Dictionary<string, TableConvertor?> Tables = new()
    {
        [CustomResources.TopologyPlural] = TableConvertor.FromDeployedCrd("crd-topologies.yaml"),
        [CustomResources.GWireKObjPlural] = TableConvertor.FromDeployedCrd("crd-gwirekobjs.yaml"),
    };

    private static readonly ApiResource Events = new("events", HasStatusSubresource: false);
    private static readonly ApiResource Namespaces = new("namespaces", HasStatusSubresource: false);
    private static readonly ApiResource Crds = new("customresourcedefinitions", HasStatusSubresource: true);
    private static readonly ApiResource Secrets = new("secrets", HasStatusSubresource: false);
    private static readonly ApiResource ConfigMaps = new("configmaps", HasStatusSubresource: false);

    private readonly ApiObjectStore _store;
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTime> _failing = new(StringComparer.Ordinal);
    private readonly WebApplication _app;
    private readonly ITimer _bookmarks;
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>The namespaces every cluster has from the start.</summary>
    private static readonly string[] InitialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private FakeApiServer(int historyLimit, TimeSpan bookmarkInterval, IEnumerable<string> namespaces)
    {
        _store = new ApiObjectStore(historyLimit, initialRevision: 1000);
        foreach (var ns in InitialNamespaces.Concat(namespaces).Distinct(StringComparer.Ordinal))
        {
            CreateNamespace(ns);
        }

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.Map("/{**path}", HandleAsync);
        _bookmarks = TimeProvider.System.CreateTimer(_ => _store.Bookmark(), null, bookmarkInterval, bookmarkInterval);
    }

    /// <summary>Where the server listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>The global revision: the resourceVersion of the last write.</summary>
    public long Revision => _store.Revision;

    /// <summary>Requests served, keyed <c>VERB resource[/status]</c> (verbs: GET, LIST, WATCH, POST, PUT, PATCH, DELETE).</summary>
    public IReadOnlyDictionary<string, int> RequestCounts => new Dictionary<string, int>(_requests, StringComparer.Ordinal);

    public int TotalRequests => _requests.Values.Sum();

    /// <summary>Starts a server; <paramref name="namespaces"/> exist from the start, next to the ones every cluster has.</summary>
    public static async Task<FakeApiServer> StartAsync(int historyLimit = 10_000, TimeSpan? bookmarkInterval = null, IEnumerable<string>? namespaces = null)
    {
        var server = new FakeApiServer(historyLimit, bookmarkInterval ?? TimeSpan.FromSeconds(1), namespaces ?? []);
        await server._app.StartAsync();
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.EndsWith('/') ? address : address + "/");
        return server;
    }

    /// <summary>
    /// A kubeconfig for a server at <paramref name="api"/> (this one, or a proxy in front of it), for a process that
    /// finds its cluster through KUBECONFIG as meshnetd does outside a pod. The token is never checked.
    /// </summary>
    public static string KubeconfigFor(Uri api) => $"""
        apiVersion: v1
        kind: Config
        clusters:
        - name: fake
          cluster:
            server: {api.AbsoluteUri.TrimEnd('/')}
        users:
        - name: fake
          user:
            token: unused-by-the-fake-server
        contexts:
        - name: fake
          context:
            cluster: fake
            user: fake
        current-context: fake
        """;

    /// <summary>A client configuration for this server (plain HTTP, no credentials).</summary>
    public KubernetesClientConfiguration ClientConfiguration() => new() { Host = BaseAddress.AbsoluteUri };

    /// <summary>Creates a namespace unless it exists, as <c>kubectl create namespace</c> would.</summary>
    public void CreateNamespace(string name)
    {
        try
        {
            _store.Create(Namespaces, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, TimeProvider.System);
        }
        catch (ApiError e) when (e.Code == 409)
        {
        }
    }

    /// <summary>Forgets the change history: watches from any revision before now get 410 Gone.</summary>
    public void Compact() => _store.Compact();

    /// <summary>Ends every open watch stream, gracefully or by dropping the connection; returns how many there were.</summary>
    public int DropWatches(bool abortConnections = false) => _store.DropWatches(abortConnections);

    public void ResetRequestCounts() => _requests.Clear();

    /// <summary>
    /// For <paramref name="duration"/>, requests of kind <paramref name="request"/> (as in <see cref="RequestCounts"/>,
    /// e.g. <c>PATCH topologies/status</c>) are answered 503, as a real API server does while etcd elects a leader
    /// or the server restarts. They are still counted.
    /// </summary>
    public void FailRequests(string request, TimeSpan duration) => _failing[request] = DateTime.UtcNow + duration;

    /// <summary>The Events recorded in <paramref name="namespace"/>, as the server stores them.</summary>
    public IReadOnlyList<JsonObject> EventsIn(string @namespace) => _store.List(Events, @namespace).Items;

    /// <summary>A stored object of a custom resource (e.g. to check what a client wrote), or null.</summary>
    public JsonObject? Find(string plural, string @namespace, string name)
    {
        try
        {
            return _store.Get(CustomKinds[plural], @namespace, name);
        }
        catch (ApiError)
        {
            return null;
        }
    }

    /// <summary>Stores a core/v1 Secret as an operator's <c>kubectl apply</c> would (the body's <c>data</c> values base64).</summary>
    public void AddSecret(string @namespace, JsonObject secret) => _store.Create(Secrets, @namespace, secret, TimeProvider.System);

    /// <summary>A stored core/v1 Secret, or null.</summary>
    public JsonObject? FindSecret(string @namespace, string name)
    {
        try
        {
            return _store.Get(Secrets, @namespace, name);
        }
        catch (ApiError)
        {
            return null;
        }
    }

    /// <summary>
    /// Called after every GET of one object, with its resource's plural, namespace and name, before the answer is
    /// sent: a test changes the object here to make the client's next write lose a race deterministically.
    /// </summary>
    public Action<string, string?, string>? AfterObjectRead { get; set; }

    /// <summary>A stored core/v1 ConfigMap, or null.</summary>
    public JsonObject? FindConfigMap(string @namespace, string name)
    {
        try
        {
            return _store.Get(ConfigMaps, @namespace, name);
        }
        catch (ApiError)
        {
            return null;
        }
    }

    /// <summary>Replaces a stored ConfigMap's data as another client's PUT would (a new resourceVersion).</summary>
    public void SetConfigMapData(string @namespace, string name, Action<JsonObject> change) =>
        _store.Update(ConfigMaps, @namespace, name, status: false, requireVersion: false, current =>
        {
            change(current["data"] as JsonObject ?? (JsonObject)(current["data"] = new JsonObject()));
            return current;
        });

    /// <summary>Deletes a stored ConfigMap, as <c>kubectl delete configmap</c> would.</summary>
    public void DeleteConfigMap(string @namespace, string name) => _store.Delete(ConfigMaps, @namespace, name);

    private async Task HandleAsync(HttpContext context)
    {
        try
        {
            await RouteAsync(context, context.Request.Path.Value!.Trim('/').Split('/'));
        }
        catch (ApiError e)
        {
            await WriteStatusAsync(context, e.Code, e.Reason, e.Message);
        }
        catch (JsonPatching.PatchException e)
        {
            await WriteStatusAsync(context, 422, "Invalid", e.Message);
        }
        catch (JsonException e)
        {
            await WriteStatusAsync(context, 400, "BadRequest", e.Message);
        }
        catch (Exception e) when (e is InvalidOperationException or InvalidCastException or FormatException && !context.Response.HasStarted)
        {
            // A fixture bug must show in the failing test's message, not as a bare 500.
            await WriteStatusAsync(context, 500, "InternalError", e.ToString());
        }
    }

    private Task RouteAsync(HttpContext context, string[] p) => p switch
    {
        ["api"] => WriteJsonAsync(context, 200, new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray() }),
        ["apis"] => WriteJsonAsync(context, 200, GroupDiscovery()),
        ["api", "v1"] => WriteJsonAsync(context, 200, CoreDiscovery()),
        ["apis", "apiextensions.k8s.io", "v1"] => WriteJsonAsync(context, 200, new JsonObject
        {
            ["kind"] = "APIResourceList",
            ["groupVersion"] = "apiextensions.k8s.io/v1",
            ["resources"] = new JsonArray(Resource("customresourcedefinitions", "CustomResourceDefinition", false, "crd")),
        }),
        ["apis", CustomResources.Group, CustomResources.Version] => WriteJsonAsync(context, 200, Discovery()),
        ["apis", CustomResources.Group, CustomResources.Version, var plural] when CustomKinds.TryGetValue(plural, out var r) =>
            CollectionAsync(context, r, null),
        ["apis", CustomResources.Group, CustomResources.Version, "namespaces", var ns, var plural] when CustomKinds.TryGetValue(plural, out var r) =>
            CollectionAsync(context, r, ns),
        ["apis", CustomResources.Group, CustomResources.Version, "namespaces", var ns, var plural, var name] when CustomKinds.TryGetValue(plural, out var r) =>
            ObjectAsync(context, r, ns, name, status: false),
        ["apis", CustomResources.Group, CustomResources.Version, "namespaces", var ns, var plural, var name, "status"] when CustomKinds.TryGetValue(plural, out var r) =>
            ObjectAsync(context, r, ns, name, status: true),
        ["api", "v1", "namespaces", var ns, "events"] => CollectionAsync(context, Events, ns),
        ["api", "v1", "namespaces", var ns, "events", var name] => ObjectAsync(context, Events, ns, name, status: false),
        ["api", "v1", "namespaces", var ns, "secrets"] => CollectionAsync(context, Secrets, ns),
        ["api", "v1", "namespaces", var ns, "secrets", var name] => ObjectAsync(context, Secrets, ns, name, status: false),
        ["api", "v1", "namespaces", var ns, "configmaps"] => CollectionAsync(context, ConfigMaps, ns),
        ["api", "v1", "namespaces", var ns, "configmaps", var name] => ObjectAsync(context, ConfigMaps, ns, name, status: false),
        ["api", "v1", "namespaces"] => CollectionAsync(context, Namespaces, null),
        ["api", "v1", "namespaces", var name] => ObjectAsync(context, Namespaces, null, name, status: false),
        ["apis", "apiextensions.k8s.io", "v1", "customresourcedefinitions"] => CollectionAsync(context, Crds, null),
        ["apis", "apiextensions.k8s.io", "v1", "customresourcedefinitions", var name] => ObjectAsync(context, Crds, null, name, status: false),
        _ => throw new ApiError(404, "NotFound", $"the server could not find the requested resource ({context.Request.Path})"),
    };

    private async Task CollectionAsync(HttpContext context, ApiResource resource, string? @namespace)
    {
        var query = context.Request.Query;
        switch (context.Request.Method)
        {
            case "GET" when query["watch"] is ["true" or "1"]:
                Count("WATCH", resource, false);
                await WatchAsync(context, resource, @namespace);
                break;
            case "GET":
                Count("LIST", resource, false);
                var (items, revision) = _store.List(resource, @namespace);
                if (TableFor(context, resource) is { } table)
                {
                    await WriteJsonAsync(context, 200, table.Convert(items, revision, DateTimeOffset.UtcNow));
                    break;
                }

                var list = new JsonObject
                {
                    ["apiVersion"] = CustomResources.ApiVersion,
                    ["kind"] = "List",
                    ["metadata"] = new JsonObject { ["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture) },
                    ["items"] = new JsonArray([.. items]),
                };
                await WriteJsonAsync(context, 200, list);
                break;
            case "POST":
                Count("POST", resource, false);
                var body = await ReadObjectAsync(context);
                Admit(@namespace, body);
                var created = _store.Create(resource, @namespace, body, TimeProvider.System);
                await WriteJsonAsync(context, 201, resource == Crds ? Establish(created) : created);
                break;
            default:
                throw new ApiError(405, "MethodNotAllowed", context.Request.Method);
        }
    }

    /// <summary>
    /// What the apiextensions controllers do with a new CRD: accept its names and mark it Established (it then serves
    /// its resources; this server serves meshnet's from the start).
    /// </summary>
    private JsonObject Establish(JsonObject crd) =>
        _store.Update(Crds, null, (string)crd["metadata"]!["name"]!, status: true, requireVersion: false, current =>
        {
            current["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(
                    new JsonObject { ["type"] = "NamesAccepted", ["status"] = "True", ["reason"] = "NoConflicts" },
                    new JsonObject { ["type"] = "Established", ["status"] = "True", ["reason"] = "InitialNamesAccepted" }),
                ["acceptedNames"] = current["spec"]?["names"]?.DeepClone(),
            };
            return current;
        });

    private static TableConvertor? TableFor(HttpContext context, ApiResource resource) =>
        TableConvertor.IsWanted(context.Request.Headers.Accept.ToString()) ? Tables.GetValueOrDefault(resource.Plural) : null;

    /// <summary>What the real server checks before creating a namespaced object (NamespaceLifecycle and the REST handler).</summary>
    private void Admit(string? @namespace, JsonObject body)
    {
        if (@namespace is null)
        {
            return;
        }

        if (body["metadata"]?["namespace"] is JsonValue given && (string?)given is { Length: > 0 } named && named != @namespace)
        {
            throw new ApiError(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request");
        }

        try
        {
            _store.Get(Namespaces, null, @namespace);
        }
        catch (ApiError e) when (e.Code == 404)
        {
            throw new ApiError(404, "NotFound", $"namespaces \"{@namespace}\" not found");
        }
    }

    private async Task ObjectAsync(HttpContext context, ApiResource resource, string? @namespace, string name, bool status)
    {
        var method = context.Request.Method;
        Count(method, resource, status);
        if (status && !resource.HasStatusSubresource)
        {
            throw new ApiError(404, "NotFound", "no status subresource");
        }

        switch (method)
        {
            case "GET":
                var read = _store.Get(resource, @namespace, name);
                AfterObjectRead?.Invoke(resource.Plural, @namespace, name);
                await WriteJsonAsync(context, 200, TableFor(context, resource) is { } one && !status ? one.Convert([read], _store.Revision, DateTimeOffset.UtcNow) : read);
                break;
            case "DELETE":
                await WriteJsonAsync(context, 200, _store.Delete(resource, @namespace, name));
                break;
            case "PUT":
                var replacement = await ReadObjectAsync(context);
                await WriteJsonAsync(context, 200, _store.Update(resource, @namespace, name, status, requireVersion: true, _ => replacement));
                break;
            case "PATCH":
                var patch = JsonNode.Parse(await ReadBodyAsync(context));
                var contentType = context.Request.ContentType ?? "";
                Func<JsonObject, JsonObject> apply;
                if (contentType.StartsWith("application/json-patch+json", StringComparison.Ordinal))
                {
                    var operations = patch as JsonArray ?? throw new ApiError(400, "BadRequest", "a JSON patch is an array");
                    apply = current =>
                    {
                        JsonPatching.ApplyJsonPatch(current, operations);
                        return current;
                    };
                }
                else if (contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal))
                {
                    apply = current => JsonPatching.ApplyMergePatch(current, patch) as JsonObject ?? throw new ApiError(422, "Invalid", "patch replaced the object");
                }
                else
                {
                    throw new ApiError(415, "UnsupportedMediaType", $"the body of the request was in an unknown format: {contentType}");
                }

                await WriteJsonAsync(context, 200, _store.Update(resource, @namespace, name, status, requireVersion: false, apply));
                break;
            default:
                throw new ApiError(405, "MethodNotAllowed", method);
        }
    }

    private async Task WatchAsync(HttpContext context, ApiResource resource, string? @namespace)
    {
        var query = context.Request.Query;
        long? from = long.TryParse(query["resourceVersion"], NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : null;
        var timeout = int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? TimeSpan.FromSeconds(s) : TimeSpan.FromMinutes(30);
        ApiObjectStore.Watcher watcher;
        try
        {
            watcher = _store.Watch(resource, @namespace, from, bookmarks: query["allowWatchBookmarks"] is ["true" or "1"]);
        }
        catch (ApiError e) when (e.Code == 410)
        {
            // As the real server does: the watch starts (200) and its first event is an ERROR carrying the 410 Status.
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(ApiObjectStore.EventLine("ERROR", StatusObject(410, "Expired", e.Message)) + "\n");
            return;
        }

        using var ended = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        ended.CancelAfter(timeout);
        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(ended.Token);
            await foreach (var line in watcher.Lines.Reader.ReadAllAsync(ended.Token))
            {
                await context.Response.WriteAsync(line + "\n", ended.Token);
                await context.Response.Body.FlushAsync(ended.Token);
            }

            if (watcher.Abort)
            {
                context.Abort();
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout, client gone or server stopping: the response just ends.
        }
        finally
        {
            _store.StopWatching(watcher);
        }
    }

    /// <summary>The API groups, as <c>kubectl</c> discovers them (the legacy, unaggregated form).</summary>
    private static JsonObject GroupDiscovery()
    {
        static JsonObject Group(string name, string version) => new()
        {
            ["name"] = name,
            ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = $"{name}/{version}", ["version"] = version }),
            ["preferredVersion"] = new JsonObject { ["groupVersion"] = $"{name}/{version}", ["version"] = version },
        };

        return new JsonObject
        {
            ["kind"] = "APIGroupList",
            ["apiVersion"] = "v1",
            ["groups"] = new JsonArray(Group(CustomResources.Group, CustomResources.Version), Group("apiextensions.k8s.io", "v1")),
        };
    }

    private static JsonObject Resource(string name, string kind, bool namespaced, params string[] shortNames) => new()
    {
        ["name"] = name,
        ["singularName"] = kind.ToLowerInvariant(),
        ["namespaced"] = namespaced,
        ["kind"] = kind,
        ["verbs"] = new JsonArray("create", "delete", "get", "list", "patch", "update", "watch"),
        ["shortNames"] = new JsonArray([.. shortNames.Select(n => (JsonNode)n)]),
    };

    private static JsonObject CoreDiscovery() => new()
    {
        ["kind"] = "APIResourceList",
        ["groupVersion"] = "v1",
        ["resources"] = new JsonArray(
            Resource("namespaces", "Namespace", false, "ns"),
            Resource("events", "Event", true, "ev"),
            Resource("secrets", "Secret", true),
            Resource("configmaps", "ConfigMap", true, "cm")),
    };

    private static JsonObject Discovery() => new()
    {
        ["kind"] = "APIResourceList",
        ["apiVersion"] = "v1",
        ["groupVersion"] = CustomResources.ApiVersion,
        ["resources"] = new JsonArray([.. CustomKinds.Keys.SelectMany(plural => new JsonNode[]
        {
            plural == CustomResources.TopologyPlural
                ? Resource(plural, CustomResources.TopologyKind, true, "topo")
                : Resource(plural, CustomResources.GWireKObjKind, true),
            new JsonObject { ["name"] = plural + "/status", ["namespaced"] = true, ["kind"] = plural == CustomResources.TopologyPlural ? CustomResources.TopologyKind : CustomResources.GWireKObjKind, ["verbs"] = new JsonArray("get", "patch", "update") },
        })]),
    };

    private void Count(string verb, ApiResource resource, bool status)
    {
        var request = $"{verb} {resource.Plural}{(status ? "/status" : "")}";
        _requests.AddOrUpdate(request, 1, (_, n) => n + 1);
        if (_failing.TryGetValue(request, out var until) && DateTime.UtcNow < until)
        {
            throw new ApiError(503, "ServiceUnavailable", "the server is currently unable to handle the request");
        }
    }

    private static async Task<string> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        return await reader.ReadToEndAsync(context.RequestAborted);
    }

    private static async Task<JsonObject> ReadObjectAsync(HttpContext context) =>
        JsonNode.Parse(await ReadBodyAsync(context)) as JsonObject ?? throw new ApiError(400, "BadRequest", "the body is not a JSON object");

    private static JsonObject StatusObject(int code, string reason, string message) => new()
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject(),
        ["status"] = "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = code,
    };

    private static Task WriteStatusAsync(HttpContext context, int code, string reason, string message) =>
        WriteJsonAsync(context, code, StatusObject(code, reason, message));

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonNode body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _bookmarks.DisposeAsync();
        _store.DropWatches(abort: false);
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }
}
