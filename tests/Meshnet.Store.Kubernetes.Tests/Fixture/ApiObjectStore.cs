using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Meshnet.Store.Kubernetes.Tests.Fixture;

/// <summary>A served resource kind: its plural, and whether writes to its status go only through /status.</summary>
internal sealed record ApiResource(string Plural, bool HasStatusSubresource);

/// <summary>An API error, as the server answers it (a Status object with this code and reason).</summary>
internal sealed class ApiError(int code, string reason, string message) : Exception(message)
{
    public int Code => code;

    public string Reason => reason;
}

/// <summary>
/// The fixture's etcd and registry in one: objects by (resource, namespace, name), one global revision counter that
/// every write bumps and that becomes the object's resourceVersion (starting above 0, as on a cluster that has run
/// for a while: revision 0 means "any" to a watch), a bounded history of changes for watches to
/// replay (older revisions answer 410), and the live watchers. All state changes under one lock, so a watcher sees
/// exactly the order of revisions.
/// </summary>
internal sealed class ApiObjectStore(int historyLimit, long initialRevision)
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, JsonObject> _objects = new(StringComparer.Ordinal);
    private readonly LinkedList<Change> _history = new();
    private readonly List<Watcher> _watchers = [];
    private long _revision = initialRevision;
    private long _compactedThrough = initialRevision;

    private sealed record Change(long Revision, ApiResource Resource, string? Namespace, string Type, JsonObject Object);

    /// <summary>A live watch: the lines to send, in order.</summary>
    internal sealed class Watcher(ApiResource resource, string? @namespace, bool bookmarks)
    {
        public Channel<string> Lines { get; } = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

        public ApiResource Resource => resource;

        public string? Namespace => @namespace;

        public bool Bookmarks => bookmarks;

        /// <summary>Set when the server drops the connection rather than ending the response.</summary>
        public bool Abort { get; set; }
    }

    public long Revision
    {
        get
        {
            lock (_lock)
            {
                return _revision;
            }
        }
    }

    public JsonObject Create(ApiResource resource, string? @namespace, JsonObject body, TimeProvider time)
    {
        lock (_lock)
        {
            var meta = Metadata(body);
            var name = (string?)meta["name"] ?? throw new ApiError(422, "Invalid", "metadata.name: Required value");
            if (!string.IsNullOrEmpty((string?)meta["resourceVersion"]))
            {
                throw new ApiError(500, "InternalError", "resourceVersion should not be set on objects to be created");
            }

            var key = Key(resource, @namespace, name);
            if (_objects.ContainsKey(key))
            {
                throw new ApiError(409, "AlreadyExists", $"{resource.Plural} \"{name}\" already exists");
            }

            var created = (JsonObject)body.DeepClone();
            if (resource.HasStatusSubresource)
            {
                created.Remove("status");
            }

            var m = Metadata(created);
            m["namespace"] = @namespace;
            m["uid"] = Guid.NewGuid().ToString();
            m["creationTimestamp"] = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
            m["generation"] = 1L;
            return Commit(resource, @namespace, key, created, "ADDED");
        }
    }

    public JsonObject Get(ApiResource resource, string? @namespace, string name)
    {
        lock (_lock)
        {
            return (JsonObject)Find(resource, @namespace, name).DeepClone();
        }
    }

    public (List<JsonObject> Items, long Revision) List(ApiResource resource, string? @namespace)
    {
        lock (_lock)
        {
            var items = _objects.Where(kv => Matches(kv.Key, resource, @namespace)).Select(kv => (JsonObject)kv.Value.DeepClone()).ToList();
            return (items, _revision);
        }
    }

    /// <summary>
    /// An update (PUT or PATCH, on the object or its /status): <paramref name="change"/> turns a copy of the stored
    /// object into the requested one. A resourceVersion in it must be current (409); the main endpoint keeps the
    /// stored status, /status keeps everything but the status; generation follows spec changes only; an update that
    /// changes nothing is not a write (no new revision, no event), as in the real API server.
    /// </summary>
    public JsonObject Update(ApiResource resource, string? @namespace, string name, bool status, bool requireVersion, Func<JsonObject, JsonObject> change)
    {
        lock (_lock)
        {
            var current = Find(resource, @namespace, name);
            var requested = change((JsonObject)current.DeepClone());
            var wanted = (string?)Metadata(requested)["resourceVersion"];
            var currentVersion = (string?)Metadata(current)["resourceVersion"];
            if (string.IsNullOrEmpty(wanted) && requireVersion)
            {
                throw new ApiError(422, "Invalid", "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
            }

            if (!string.IsNullOrEmpty(wanted) && wanted != currentVersion)
            {
                throw new ApiError(409, "Conflict",
                    $"Operation cannot be fulfilled on {resource.Plural} \"{name}\": the object has been modified; please apply your changes to the latest version and try again");
            }

            JsonObject next;
            if (status)
            {
                next = (JsonObject)current.DeepClone();
                next["status"] = requested["status"]?.DeepClone();
            }
            else
            {
                next = requested;
                next["metadata"] = MergeSystemMetadata(Metadata(current), Metadata(requested));
                if (resource.HasStatusSubresource)
                {
                    next["status"] = current["status"]?.DeepClone();
                }
            }

            Metadata(next)["resourceVersion"] = currentVersion;
            if (JsonNode.DeepEquals(next, current))
            {
                return (JsonObject)current.DeepClone();
            }

            if (!JsonNode.DeepEquals(next["spec"], current["spec"]))
            {
                Metadata(next)["generation"] = (long?)Metadata(current)["generation"] + 1 ?? 1;
            }

            return Commit(resource, @namespace, Key(resource, @namespace, name), next, "MODIFIED");
        }
    }

    public JsonObject Delete(ApiResource resource, string? @namespace, string name)
    {
        lock (_lock)
        {
            var current = (JsonObject)Find(resource, @namespace, name).DeepClone();
            var key = Key(resource, @namespace, name);
            _objects.Remove(key);
            var revision = ++_revision;
            Metadata(current)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
            Record(new Change(revision, resource, @namespace, "DELETED", current));
            return (JsonObject)current.DeepClone();
        }
    }

    /// <summary>
    /// Starts a watch. <paramref name="fromVersion"/> null or 0: the current objects as ADDED, then live changes;
    /// otherwise every change after it, then live ones; 410 when it is older than the history kept.
    /// </summary>
    public Watcher Watch(ApiResource resource, string? @namespace, long? fromVersion, bool bookmarks)
    {
        lock (_lock)
        {
            var watcher = new Watcher(resource, @namespace, bookmarks);
            if (fromVersion is null or 0)
            {
                foreach (var (key, obj) in _objects.Where(kv => Matches(kv.Key, resource, @namespace)))
                {
                    watcher.Lines.Writer.TryWrite(EventLine("ADDED", obj));
                }
            }
            else if (fromVersion < _compactedThrough)
            {
                throw new ApiError(410, "Expired", $"too old resource version: {fromVersion} ({_compactedThrough})");
            }
            else
            {
                foreach (var change in _history.Where(c => c.Revision > fromVersion && Wanted(watcher, c)))
                {
                    watcher.Lines.Writer.TryWrite(EventLine(change.Type, change.Object));
                }
            }

            _watchers.Add(watcher);
            return watcher;
        }
    }

    public void StopWatching(Watcher watcher)
    {
        lock (_lock)
        {
            _watchers.Remove(watcher);
        }
    }

    /// <summary>Forgets all history up to the current revision: watches from any earlier revision get 410.</summary>
    public void Compact()
    {
        lock (_lock)
        {
            _history.Clear();
            _compactedThrough = _revision;
        }
    }

    /// <summary>Sends every bookmark-enabled watcher a BOOKMARK at the current revision (all earlier events are queued before it).</summary>
    public void Bookmark()
    {
        lock (_lock)
        {
            foreach (var w in _watchers.Where(w => w.Bookmarks))
            {
                var obj = new JsonObject
                {
                    ["kind"] = "Bookmark",
                    ["apiVersion"] = CustomResources.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = _revision.ToString(CultureInfo.InvariantCulture) },
                };
                w.Lines.Writer.TryWrite(EventLine("BOOKMARK", obj));
            }
        }
    }

    /// <summary>Ends every open watch: gracefully (the response completes) or by dropping the connection.</summary>
    public int DropWatches(bool abort)
    {
        lock (_lock)
        {
            foreach (var w in _watchers)
            {
                w.Abort = abort;
                w.Lines.Writer.TryComplete();
            }

            var count = _watchers.Count;
            _watchers.Clear();
            return count;
        }
    }

    public static string EventLine(string type, JsonNode obj) => new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();

    private JsonObject Commit(ApiResource resource, string? @namespace, string key, JsonObject obj, string type)
    {
        var revision = ++_revision;
        Metadata(obj)["resourceVersion"] = revision.ToString(CultureInfo.InvariantCulture);
        _objects[key] = obj;
        Record(new Change(revision, resource, @namespace, type, (JsonObject)obj.DeepClone()));
        return (JsonObject)obj.DeepClone();
    }

    private void Record(Change change)
    {
        _history.AddLast(change);
        while (_history.Count > historyLimit)
        {
            _compactedThrough = _history.First!.Value.Revision;
            _history.RemoveFirst();
        }

        foreach (var w in _watchers.Where(w => Wanted(w, change)))
        {
            w.Lines.Writer.TryWrite(EventLine(change.Type, change.Object));
        }
    }

    private static bool Wanted(Watcher w, Change c) => w.Resource == c.Resource && (w.Namespace is null || w.Namespace == c.Namespace);

    private JsonObject Find(ApiResource resource, string? @namespace, string name) =>
        _objects.TryGetValue(Key(resource, @namespace, name), out var obj)
            ? obj
            : throw new ApiError(404, "NotFound", $"{resource.Plural} \"{name}\" not found");

    /// <summary>Fields the server owns survive any update: the client cannot change uid, creation time or generation.</summary>
    private static JsonObject MergeSystemMetadata(JsonObject current, JsonObject requested)
    {
        var merged = (JsonObject)requested.DeepClone();
        foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "generation" })
        {
            merged[field] = current[field]?.DeepClone();
        }

        return merged;
    }

    private static JsonObject Metadata(JsonObject obj) => obj["metadata"] as JsonObject ?? (JsonObject)(obj["metadata"] = new JsonObject());

    // Keys sort as etcd's do: by resource, then namespace, then name.
    private static string Key(ApiResource resource, string? @namespace, string name) => $"{resource.Plural}\0{@namespace}\0{name}";

    private static bool Matches(string key, ApiResource resource, string? @namespace) =>
        key.StartsWith(@namespace is null ? $"{resource.Plural}\0" : $"{resource.Plural}\0{@namespace}\0", StringComparison.Ordinal);
}
