using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Meshnet.Store.Kubernetes;

/// <summary>
/// One logical watch over Topologies, made of as many watch requests as it takes: each request starts at the last
/// resourceVersion seen (an event's or a bookmark's), so nothing is missed or repeated across reconnects. A request
/// ends when the server's timeout runs out, the connection drops or the server restarts; all of those reconnect,
/// with exponential backoff while the server stays unreachable. Only 410 Gone (the revision was compacted away)
/// ends the watch, as <see cref="ExpiredException"/>: the caller relists.
/// </summary>
internal sealed class TopologyWatchStream(
    ApiServerConnection api, KubernetesStoreOptions options, string? @namespace, long fromRevision, CancellationToken storeDisposed) : IDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    private HttpResponseMessage? _response;
    private StreamReader? _reader;
    private int _failures;
    private int _linesOnThisRequest;

    /// <summary>The revision the next watch request starts after.</summary>
    public long Revision { get; private set; } = fromRevision;

    /// <summary>uid of the object of the event last returned.</summary>
    public string? LastUid { get; private set; }

    /// <summary>The next change, or null once the store is disposed.</summary>
    public async Task<TopologyEvent?> NextAsync(CancellationToken ct)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, storeDisposed);
        try
        {
            while (true)
            {
                if (await ReadLineAsync(linked.Token) is { } line && Decode(line) is { } e)
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException) when (storeDisposed.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>The next line of the current watch request, opening one when needed; null when there was none.</summary>
    private async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        if (_reader is null)
        {
            if (_failures > 0)
            {
                await BackoffAsync(ct);
            }

            if (!await ConnectAsync(ct))
            {
                _failures++;
                return null;
            }

            _linesOnThisRequest = 0;
        }

        try
        {
            var line = await _reader!.ReadLineAsync(ct);
            if (line is null)
            {
                // The server ended this request (its timeout, or it is going away): go on from where we are. A request
                // that ended without a line counts as a failure, so a server that keeps doing that is not hammered.
                _failures = _linesOnThisRequest == 0 ? _failures + 1 : 0;
                Close();
                return null;
            }

            _linesOnThisRequest++;
            _failures = 0;
            return string.IsNullOrWhiteSpace(line) ? null : line;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            _failures++;
            Close();
            return null;
        }
    }

    /// <summary>Opens a watch request at <see cref="Revision"/>; false on a failure worth retrying.</summary>
    private async Task<bool> ConnectAsync(CancellationToken ct)
    {
        // Jittered like client-go's reflector so that many daemons do not reconnect in step.
        var timeout = (int)(options.WatchTimeout.TotalSeconds * (1 + Random.Shared.NextDouble()));
        var path = CustomResources.CollectionPath(CustomResources.TopologyPlural, @namespace)
            + $"?watch=true&allowWatchBookmarks=true&resourceVersion={Revision.ToString(CultureInfo.InvariantCulture)}&timeoutSeconds={timeout.ToString(CultureInfo.InvariantCulture)}";
        HttpResponseMessage response;
        try
        {
            response = await api.OpenStreamAsync(path, ct);
        }
        catch (HttpRequestException)
        {
            return false;
        }

        if (!ApiServerConnection.IsSuccess(response.StatusCode))
        {
            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                var retry = response.StatusCode is HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
                return retry ? false : throw ApiServerConnection.Error(response.StatusCode, body, $"watch topologies from revision {Revision}");
            }
        }

        _response = response;
        _reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
        return true;
    }

    /// <summary>Turns one watch line into an event; null for bookmarks and for server errors that reconnecting cures.</summary>
    private TopologyEvent? Decode(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var type = doc.RootElement.GetProperty("type").GetString();
        var obj = doc.RootElement.GetProperty("object");
        switch (type)
        {
            case "BOOKMARK":
                Revision = Math.Max(Revision, TopologyWire.ResourceVersionOf(obj));
                return null;
            case "ERROR":
                var code = obj.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : 0;
                var message = obj.TryGetProperty("message", out var m) ? m.GetString() : null;
                if (code == (int)HttpStatusCode.Gone)
                {
                    throw new ExpiredException($"watch topologies from revision {Revision}: {message ?? "expired"}");
                }

                _failures++;
                Close();
                return null;
        }

        var (topology, uid) = TopologyWire.Parse(obj);
        var eventType = type switch
        {
            "ADDED" => TopologyEventType.Added,
            "MODIFIED" => TopologyEventType.Modified,
            "DELETED" => TopologyEventType.Deleted,
            _ => throw new StoreException($"watch topologies: unknown event type \"{type}\""),
        };
        Revision = TopologyWire.ParseRevision(topology.ResourceVersion ?? "0");
        LastUid = uid;
        return new TopologyEvent(eventType, topology, Revision);
    }

    private async Task BackoffAsync(CancellationToken ct)
    {
        var delay = FirstRetryDelay * Math.Pow(2, Math.Min(_failures - 1, 10));
        await Task.Delay(delay < options.MaxReconnectDelay ? delay : options.MaxReconnectDelay, options.TimeProvider, ct);
    }

    private void Close()
    {
        _reader?.Dispose();
        _response?.Dispose();
        _reader = null;
        _response = null;
    }

    public void Dispose() => Close();
}
