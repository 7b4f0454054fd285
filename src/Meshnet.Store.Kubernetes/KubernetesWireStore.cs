using System.Net;
using System.Text.Json;

namespace Meshnet.Store.Kubernetes;

/// <summary>
/// Wire records as the original meshnet keeps them: <c>GWireKObj</c> objects, one per (topology namespace, node),
/// named after the node, whose <c>status.grpcWireItems[]</c> lists the wires that node terminates. Only the node's
/// own daemon writes its objects; a write is a read, a change of the items and a PUT of the status with the
/// resourceVersion read (a conflict, e.g. someone editing the object by hand, starts over). An object whose last
/// item goes is deleted. Needs get, list, create, delete on gwirekobjs and update on gwirekobjs/status.
/// </summary>
internal sealed class KubernetesWireStore(ApiServerConnection api) : IWireStore
{
    private const int MaxAttempts = 10;

    public async Task<IReadOnlyList<WireRecord>> ListAsync(string nodeName, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(nodeName);
        // The field selector spares the API server the other nodes' objects; the name is checked here again anyway.
        var path = CustomResources.CollectionPath(CustomResources.GWireKObjPlural, null)
                   + "?fieldSelector=" + Uri.EscapeDataString($"metadata.name={nodeName}");
        var body = await api.SendOrThrowAsync(HttpMethod.Get, path, null, ApiServerConnection.Json, $"list gwirekobjs of node {nodeName}", ct);
        var list = JsonSerializer.Deserialize(body, WireJsonContext.Default.GWireKObjList)
            ?? throw new StoreException($"list gwirekobjs of node {nodeName}: empty answer");
        return [.. list.Items
            .Where(o => o.Metadata.Name == nodeName)
            .SelectMany(o => o.Status.GrpcWireItems.Select(i => ToRecord(nodeName, o.Metadata.NamespaceProperty, i)))
            .OrderBy(r => r.Namespace, StringComparer.Ordinal).ThenBy(r => r.Uid)];
    }

    public async Task PutAsync(IReadOnlyCollection<WireRecord> records, CancellationToken ct = default)
    {
        foreach (var group in records.GroupBy(r => (r.NodeName, r.Namespace)))
        {
            var byUid = group.GroupBy(r => r.Uid).ToDictionary(g => g.Key, g => g.Last());
            await MutateAsync(group.Key.NodeName, group.Key.Namespace, createIfMissing: true, items =>
            {
                var kept = items.Where(i => !byUid.ContainsKey((int)i.LinkId)).ToList();
                kept.AddRange(byUid.Values.OrderBy(r => r.Uid).Select(ToItem));
                return kept;
            }, ct);
        }
    }

    public async Task<int> DeleteAsync(string nodeName, IReadOnlyCollection<WireKey> links, CancellationToken ct = default)
    {
        var deleted = 0;
        foreach (var group in links.GroupBy(l => l.Namespace))
        {
            var uids = group.Select(l => (long)l.Uid).ToHashSet();
            await MutateAsync(nodeName, group.Key, createIfMissing: false, items =>
            {
                var kept = items.Where(i => !uids.Contains(i.LinkId)).ToList();
                deleted += items.Count - kept.Count;
                return kept;
            }, ct);
        }

        return deleted;
    }

    /// <summary>
    /// Read-change-write of one object's items. <paramref name="change"/> returns the new items (it runs again after
    /// a conflict, on fresh data); unchanged items write nothing, no items left deletes the object.
    /// </summary>
    private async Task MutateAsync(string node, string @namespace, bool createIfMissing, Func<IList<GrpcWireItem>, List<GrpcWireItem>> change, CancellationToken ct)
    {
        var what = $"gwirekobj {@namespace}/{node}";
        var objectPath = CustomResources.ObjectPath(CustomResources.GWireKObjPlural, @namespace, node);
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var (status, body) = await api.SendAsync(HttpMethod.Get, objectPath, null, ApiServerConnection.Json, ct);
            GWireKObj current;
            if (status == HttpStatusCode.NotFound)
            {
                if (!createIfMissing)
                {
                    change([]);
                    return;
                }

                current = await CreateAsync(node, @namespace, what, ct);
            }
            else if (ApiServerConnection.IsSuccess(status))
            {
                current = Parse(body, what);
            }
            else
            {
                throw ApiServerConnection.Error(status, body, $"get {what}");
            }

            var before = current.Status.GrpcWireItems;
            var after = change(before);
            if (after.Count == 0)
            {
                var (deleteStatus, deleteBody) = await api.SendAsync(HttpMethod.Delete, objectPath, Precondition(current), ApiServerConnection.Json, ct);
                if (ApiServerConnection.IsSuccess(deleteStatus) || deleteStatus == HttpStatusCode.NotFound)
                {
                    return;
                }

                if (deleteStatus != HttpStatusCode.Conflict)
                {
                    throw ApiServerConnection.Error(deleteStatus, deleteBody, $"delete {what}");
                }

                continue;
            }

            if (SameItems(before, after))
            {
                return;
            }

            current.Status = new GWireKObjStatus { GrpcWireItems = after };
            // managedFields are the server's bookkeeping (and hold free-form JSON): omitted, a PUT keeps them as they are.
            current.Metadata.ManagedFields = null;
            var (putStatus, putBody) = await api.SendAsync(HttpMethod.Put, CustomResources.StatusPath(CustomResources.GWireKObjPlural, @namespace, node),
                JsonSerializer.Serialize(current, WireJsonContext.Default.GWireKObj), ApiServerConnection.Json, ct);
            if (ApiServerConnection.IsSuccess(putStatus))
            {
                return;
            }

            if (putStatus is not (HttpStatusCode.Conflict or HttpStatusCode.NotFound))
            {
                throw ApiServerConnection.Error(putStatus, putBody, $"update status of {what}");
            }
        }

        throw new StoreException($"write {what}: conflicted {MaxAttempts} times in a row");
    }

    /// <summary>Creates the object empty (its status is written with the status subresource); one that exists already is read instead.</summary>
    private async Task<GWireKObj> CreateAsync(string node, string @namespace, string what, CancellationToken ct)
    {
        var fresh = new GWireKObj();
        fresh.Metadata.Name = node;
        fresh.Metadata.NamespaceProperty = @namespace;
        fresh.Metadata.Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "meshnet" };
        var (status, body) = await api.SendAsync(HttpMethod.Post, CustomResources.CollectionPath(CustomResources.GWireKObjPlural, @namespace),
            JsonSerializer.Serialize(fresh, WireJsonContext.Default.GWireKObj), ApiServerConnection.Json, ct);
        if (status == HttpStatusCode.Conflict)
        {
            return Parse(await api.SendOrThrowAsync(HttpMethod.Get, CustomResources.ObjectPath(CustomResources.GWireKObjPlural, @namespace, node),
                null, ApiServerConnection.Json, $"get {what}", ct), what);
        }

        return ApiServerConnection.IsSuccess(status) ? Parse(body, what) : throw ApiServerConnection.CreateError(status, body, $"create {what}", @namespace);
    }

    private static string Precondition(GWireKObj current) =>
        $"{{\"kind\":\"DeleteOptions\",\"apiVersion\":\"v1\",\"preconditions\":{{\"resourceVersion\":{JsonSerializer.Serialize(current.Metadata.ResourceVersion, WireJsonContext.Default.String)}}}}}";

    private static GWireKObj Parse(string body, string what)
    {
        try
        {
            var obj = JsonSerializer.Deserialize(body, WireJsonContext.Default.GWireKObj) ?? throw new StoreException($"{what}: empty answer");
            obj.Status ??= new GWireKObjStatus();
            obj.Status.GrpcWireItems ??= [];
            return obj;
        }
        catch (JsonException e)
        {
            throw new StoreException($"{what}: the API server's answer is not a GWireKObj: {e.Message}", e);
        }
    }

    private static bool SameItems(IList<GrpcWireItem> a, List<GrpcWireItem> b) =>
        a.Count == b.Count && a.Zip(b).All(p => Serialize(p.First) == Serialize(p.Second));

    private static string Serialize(GrpcWireItem item) => JsonSerializer.Serialize(item, WireJsonContext.Default.GrpcWireItem);

    private static GrpcWireItem ToItem(WireRecord r) => new()
    {
        NodeName = r.NodeName,
        LinkId = r.Uid,
        TopoNamespace = r.Namespace,
        LocalPodNetNs = r.LocalPodNetNs,
        LocalPodName = r.LocalPodName,
        LocalPodIp = r.LocalPodIp,
        LocalPodIfaceName = r.LocalIntf,
        WireIfaceNameOnLocalNode = r.LocalIntf,
        WireIfaceIdOnPeerNode = r.PeerWireId,
        GwirePeerNodeIp = r.PeerNodeIp,
        WireIfaceIdOnLocalNode = r.LocalId,
        GwirePeerNodeName = r.PeerNode,
    };

    private static WireRecord ToRecord(string node, string @namespace, GrpcWireItem i) => new(
        node,
        i.TopoNamespace is { Length: > 0 } ns ? ns : @namespace,
        checked((int)i.LinkId),
        i.WireIfaceIdOnLocalNode ?? 0,
        i.LocalPodName ?? "",
        i.LocalPodNetNs ?? "",
        i.LocalPodIp ?? "",
        i.LocalPodIfaceName ?? i.WireIfaceNameOnLocalNode ?? "",
        i.GwirePeerNodeName ?? "",
        i.GwirePeerNodeIp ?? "",
        i.WireIfaceIdOnPeerNode);
}
