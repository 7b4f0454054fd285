using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Meshnet.Store.Kubernetes;

/// <summary>A certificate and its private key, both PEM, as held in the <c>tls.crt</c> and <c>tls.key</c> of a TLS Secret.</summary>
public sealed record TlsSecretPem(string CertificatePem, string KeyPem);

/// <summary>
/// <c>kubernetes.io/tls</c> Secrets on the store's connection (its credentials, rate limit and 429 retries), for the
/// daemon's cluster CA. The one operation is create-if-absent without a lock: GET; on 404 POST a candidate; on 409
/// (another daemon created it between our GET and POST) GET again. The API server accepts exactly one create of a
/// name, so every daemon ends up with the same pair. Needs only <c>get</c> and <c>create</c> on secrets.
/// </summary>
public sealed class KubernetesTlsSecrets
{
    public const string CertificateKey = "tls.crt";
    public const string PrivateKeyKey = "tls.key";
    public const string TlsType = "kubernetes.io/tls";

    /// <summary>GET/POST rounds before giving up; more than two only happen when someone deletes the Secret meanwhile.</summary>
    private const int MaxAttempts = 5;

    private readonly ApiServerConnection _api;

    internal KubernetesTlsSecrets(ApiServerConnection api) => _api = api;

    /// <summary>
    /// The pair stored in Secret <paramref name="name"/> of <paramref name="namespace"/>; when there is none, stores
    /// <paramref name="create"/>'s result and returns it, or, when another creator was first, returns theirs.
    /// <paramref name="create"/> is called only after a GET found nothing. A Secret that does not hold a parsable
    /// certificate and matching key (an operator's mistake) is an <see cref="InvalidOperationException"/> naming it,
    /// never replaced; API errors are <see cref="StoreException"/>.
    /// </summary>
    public async Task<TlsSecretPem> GetOrCreateAsync(string @namespace, string name, Func<TlsSecretPem> create, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(@namespace);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(create);
        var what = $"secret {@namespace}/{name}";
        var objectPath = $"api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/secrets/{Uri.EscapeDataString(name)}";
        var collectionPath = $"api/v1/namespaces/{Uri.EscapeDataString(@namespace)}/secrets";
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            var (status, body) = await _api.SendAsync(HttpMethod.Get, objectPath, null, ApiServerConnection.Json, ct);
            if (ApiServerConnection.IsSuccess(status))
            {
                return Parse(body, what);
            }

            if (status != HttpStatusCode.NotFound)
            {
                throw ApiServerConnection.Error(status, body, $"get {what}");
            }

            var candidate = create();
            (status, body) = await _api.SendAsync(HttpMethod.Post, collectionPath, CreateBody(@namespace, name, candidate), ApiServerConnection.Json, ct);
            if (ApiServerConnection.IsSuccess(status))
            {
                return candidate;
            }

            if (status != HttpStatusCode.Conflict)
            {
                throw ApiServerConnection.CreateError(status, body, $"create {what}", @namespace);
            }
        }

        throw new StoreException($"{what}: still neither readable nor creatable after {MaxAttempts} attempts (is something deleting it?)");
    }

    private static string CreateBody(string @namespace, string name, TlsSecretPem pem) => new JsonObject
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject
        {
            ["name"] = name,
            ["namespace"] = @namespace,
            ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "meshnet" },
        },
        ["type"] = TlsType,
        ["data"] = new JsonObject
        {
            [CertificateKey] = Convert.ToBase64String(Encoding.UTF8.GetBytes(pem.CertificatePem)),
            [PrivateKeyKey] = Convert.ToBase64String(Encoding.UTF8.GetBytes(pem.KeyPem)),
        },
    }.ToJsonString();

    /// <summary>The pair in a Secret as the API server returns it (data values base64), checked to load as a certificate with its key.</summary>
    private static TlsSecretPem Parse(string body, string what)
    {
        JsonObject? data;
        try
        {
            data = JsonNode.Parse(body)?["data"] as JsonObject;
        }
        catch (JsonException e)
        {
            throw new StoreException($"get {what}: the API server's answer is not JSON: {e.Message}", e);
        }

        var pem = new TlsSecretPem(Field(data, CertificateKey, what), Field(data, PrivateKeyKey, what));
        try
        {
            using var _ = X509Certificate2.CreateFromPem(pem.CertificatePem, pem.KeyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new InvalidOperationException(
                $"{what} does not hold a PEM certificate in {CertificateKey} and its matching private key in {PrivateKeyKey}: {e.Message}. " +
                "Fix the Secret, or delete it so that a daemon creates a new one (every node certificate is then reissued).", e);
        }

        return pem;
    }

    private static string Field(JsonObject? data, string key, string what)
    {
        var value = data?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        if (string.IsNullOrEmpty(value))
        {
            throw new InvalidOperationException($"{what} has no data.{key}; a {TlsType} Secret with {CertificateKey} and {PrivateKeyKey} is expected.");
        }

        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(value));
        }
        catch (FormatException e)
        {
            throw new InvalidOperationException($"{what}: data.{key} is not base64.", e);
        }
    }
}
