using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Meshnet.Store.Kubernetes;

/// <summary>
/// HTTP to the API server through the official client's configured <see cref="HttpClient"/> (its TLS, client
/// certificates, token refresh and our rate limit), with bodies we serialize ourselves (source-generated JSON, so
/// the CRD's snake_case fields round-trip exactly). Maps the API's status codes to the store's exceptions.
/// </summary>
internal sealed class ApiServerConnection(k8s.Kubernetes client, KubernetesStoreOptions options) : IDisposable
{
    public const string Json = "application/json";

    public const string JsonPatch = "application/json-patch+json";

    public const string MergePatch = "application/merge-patch+json";

    private readonly Uri _base = client.BaseUri.AbsoluteUri.EndsWith('/') ? client.BaseUri : new Uri(client.BaseUri.AbsoluteUri + "/");

    public k8s.Kubernetes Client => client;

    /// <summary>Sends a request and returns the status and body; throws only for transport failures.</summary>
    public async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpMethod method, string path, string? body, string contentType, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = await CreateRequestAsync(method, path, body, contentType, ct);
            using var response = await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            // 429: API Priority and Fairness turned the request away before doing anything, so even a POST may be resent.
            if (response.StatusCode == HttpStatusCode.TooManyRequests && attempt < options.MaxThrottledRetries)
            {
                await Task.Delay(RetryAfter(response), options.TimeProvider, ct);
                continue;
            }

            return (response.StatusCode, text);
        }
    }

    /// <summary>Sends a request and returns its body when it succeeded; otherwise throws the store exception for its status.</summary>
    public async Task<string> SendOrThrowAsync(HttpMethod method, string path, string? body, string contentType, string what, CancellationToken ct)
    {
        var (status, text) = await SendAsync(method, path, body, contentType, ct);
        return IsSuccess(status) ? text : throw Error(status, text, what);
    }

    /// <summary>Opens a streaming GET (a watch); the caller owns the response. Error statuses are returned, not thrown.</summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(string path, CancellationToken ct)
    {
        using var request = await CreateRequestAsync(HttpMethod.Get, path, null, Json, ct);
        return await client.HttpClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }

    public static bool IsSuccess(HttpStatusCode status) => (int)status is >= 200 and < 300;

    /// <summary>The store exception for an API error status, with the server's message (from its Status object).</summary>
    public static StoreException Error(HttpStatusCode status, string body, string what)
    {
        var message = $"{what}: {(int)status} {StatusMessage(body) ?? status.ToString()}";
        return status switch
        {
            HttpStatusCode.NotFound => new NotFoundException(message),
            HttpStatusCode.Conflict => new ConflictException(message),
            HttpStatusCode.Gone => new ExpiredException(message),
            _ => new StoreException(message),
        };
    }

    /// <summary>
    /// The store exception for a failed create of a namespaced object. 404 on a create means the namespace does not
    /// exist (the server's NamespaceLifecycle admission), which for meshnet's own objects means it is not installed.
    /// </summary>
    public static StoreException CreateError(HttpStatusCode status, string body, string what, string @namespace) =>
        status == HttpStatusCode.NotFound
            ? new NotFoundException($"{what}: namespace {@namespace} does not exist; install meshnet's manifests first (kubectl apply -k deploy/kustomize/base)")
            : Error(status, body, what);

    private static string? StatusMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("message", out var m) ? m.GetString() : null;
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }

    private async Task<HttpRequestMessage> CreateRequestAsync(HttpMethod method, string path, string? body, string contentType, CancellationToken ct)
    {
        var request = new HttpRequestMessage(method, new Uri(_base, path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(Json));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        // The client applies bearer tokens (and refreshes in-cluster service-account tokens) here, not in a handler.
        if (client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, ct);
        }

        return request;
    }

    private static TimeSpan RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter?.Delta is { } delta)
        {
            return delta;
        }

        return response.Headers.TryGetValues("Retry-After", out var values)
            && int.TryParse(values.FirstOrDefault(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
            ? TimeSpan.FromSeconds(seconds)
            : TimeSpan.FromSeconds(1);
    }

    public void Dispose() => client.Dispose();
}
