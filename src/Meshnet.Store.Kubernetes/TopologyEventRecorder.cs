using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using k8s.Models;
using Meshnet.Model;

namespace Meshnet.Store.Kubernetes;

/// <summary>
/// Records core/v1 Events whose involvedObject is a pod's Topology. Like client-go's recorder it folds repeats:
/// the same (pod, type, reason, message) within <see cref="FoldWindow"/> bumps the existing Event's count with a
/// patch, so a link that keeps failing produces one Event, not one per retry.
/// </summary>
internal sealed class TopologyEventRecorder(ApiServerConnection api, KubernetesStoreOptions options)
{
    public static readonly TimeSpan FoldWindow = TimeSpan.FromMinutes(10);

    /// <summary>The API server rejects longer messages on the events.k8s.io API; keep core/v1 Events within it too.</summary>
    private const int MaxMessageLength = 1024;

    private const int MaxRemembered = 4096;

    private readonly ConcurrentDictionary<(PodKey Pod, string Type, string Reason, string Message), Recorded> _recent = new();

    private sealed record Recorded(string Name, int Count, DateTimeOffset First, DateTimeOffset Last);

    public async Task<bool> RecordAsync(PodKey pod, string? uid, string reason, string message, bool warning, CancellationToken ct)
    {
        var type = warning ? "Warning" : "Normal";
        message = message.Length > MaxMessageLength ? message[..(MaxMessageLength - 3)] + "..." : message;
        var key = (pod, type, reason, message);
        var now = options.TimeProvider.GetUtcNow();
        try
        {
            if (_recent.TryGetValue(key, out var seen) && now - seen.Last < FoldWindow && await BumpAsync(pod, seen, now, ct) is { } bumped)
            {
                _recent[key] = bumped;
                return true;
            }

            var created = await CreateAsync(pod, uid, type, reason, message, now, ct);
            if (_recent.Count >= MaxRemembered)
            {
                _recent.Clear();
            }

            _recent[key] = created;
            return true;
        }
        catch (Exception e) when (e is StoreException or HttpRequestException)
        {
            return false;
        }
    }

    private async Task<Recorded> CreateAsync(PodKey pod, string? uid, string type, string reason, string message, DateTimeOffset now, CancellationToken ct)
    {
        // Named as client-go names Events: the object's name and the time in nanoseconds, in hex.
        var name = $"{pod.Name}.{(now.ToUnixTimeMilliseconds() * 1_000_000 + Random.Shared.Next(1_000_000)).ToString("x", CultureInfo.InvariantCulture)}";
        var timestamp = Truncate(now);
        var e = new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = pod.Namespace },
            InvolvedObject = new V1ObjectReference
            {
                ApiVersion = CustomResources.ApiVersion,
                Kind = CustomResources.TopologyKind,
                NamespaceProperty = pod.Namespace,
                Name = pod.Name,
                Uid = uid,
            },
            Type = type,
            Reason = reason,
            Message = message,
            Count = 1,
            FirstTimestamp = timestamp.UtcDateTime,
            LastTimestamp = timestamp.UtcDateTime,
            Source = new V1EventSource { Component = options.EventSource, Host = options.EventHost },
            ReportingComponent = options.EventSource,
            ReportingInstance = options.EventHost ?? "",
        };
        await api.SendOrThrowAsync(HttpMethod.Post, EventsPath(pod.Namespace),
            JsonSerializer.Serialize(e, WireJsonContext.Default.Corev1Event), ApiServerConnection.Json, $"record event on topology {pod}", ct);
        return new Recorded(name, 1, now, now);
    }

    /// <summary>Bumps count and lastTimestamp of an Event recorded earlier; null when it is gone (expired by its TTL).</summary>
    private async Task<Recorded?> BumpAsync(PodKey pod, Recorded seen, DateTimeOffset now, CancellationToken ct)
    {
        var count = seen.Count + 1;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteNumber("count", count);
            w.WriteString("lastTimestamp", Truncate(now).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }

        var (status, body) = await api.SendAsync(HttpMethod.Patch, $"{EventsPath(pod.Namespace)}/{Uri.EscapeDataString(seen.Name)}",
            Encoding.UTF8.GetString(buffer.ToArray()), ApiServerConnection.MergePatch, ct);
        return status switch
        {
            HttpStatusCode.NotFound => null,
            _ when ApiServerConnection.IsSuccess(status) => seen with { Count = count, Last = now },
            _ => throw ApiServerConnection.Error(status, body, $"update event {seen.Name} on topology {pod}"),
        };
    }

    private static string EventsPath(string @namespace) => $"api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/events";

    /// <summary>Event timestamps are whole seconds (metav1.Time).</summary>
    private static DateTimeOffset Truncate(DateTimeOffset t) => new(t.UtcTicks - (t.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
}
