using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Meshnet.Store.Kubernetes.Tests.Fixture;

namespace Meshnet.Store.Kubernetes.Tests.Security;

/// <summary>
/// The cluster CA's Secret (what the daemon's KubernetesSecretCaSource stores through) against the in-process API
/// server: created once however many daemons race, an existing one reused, a broken one refused by name.
/// </summary>
public sealed class KubernetesTlsSecretsTests : IAsyncLifetime
{
    private const string Namespace = "meshnet";
    private const string Name = "meshnet-ca";

    private FakeApiServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeApiServer.StartAsync(namespaces: [Namespace]);

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task GetOrCreateAsync_SecretAbsent_StoresTheCandidateAsTlsSecret()
    {
        await using var store = await ConnectAsync();
        var candidate = NewPair();

        var result = await store.TlsSecrets.GetOrCreateAsync(Namespace, Name, () => candidate);

        Assert.Equal(candidate, result);
        var stored = _server.FindSecret(Namespace, Name)!;
        Assert.Equal("kubernetes.io/tls", (string?)stored["type"]);
        Assert.Equal(candidate.CertificatePem, Decode(stored, "tls.crt"));
        Assert.Equal(candidate.KeyPem, Decode(stored, "tls.key"));
    }

    [Fact]
    public async Task GetOrCreateAsync_NamespaceMissing_SaysMeshnetIsNotInstalled()
    {
        await using var bare = await FakeApiServer.StartAsync();
        await using var store = await KubernetesTopologyStore.ConnectAsync(bare.ClientConfiguration());

        var e = await Assert.ThrowsAsync<NotFoundException>(() => store.TlsSecrets.GetOrCreateAsync(Namespace, Name, NewPair));

        Assert.Contains("namespace meshnet does not exist", e.Message, StringComparison.Ordinal);
        Assert.Contains("kubectl apply -k deploy/kustomize/base", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOrCreateAsync_FiveDaemonsRaceOnAbsentSecret_OneCreatesAndAllGetItsPair()
    {
        const int daemons = 5;
        var stores = await Task.WhenAll(Enumerable.Range(0, daemons).Select(_ => ConnectAsync()));
        _server.ResetRequestCounts();
        // Every daemon holds its candidate until all have seen the 404, so all five really POST and four lose.
        using var allSawNotFound = new CountdownEvent(daemons);
        var candidates = new TlsSecretPem[daemons];
        try
        {
            var results = await Task.WhenAll(stores.Select((store, i) => Task.Run(() => store.TlsSecrets.GetOrCreateAsync(Namespace, Name, () =>
            {
                candidates[i] = NewPair();
                allSawNotFound.Signal();
                Assert.True(allSawNotFound.Wait(TimeSpan.FromSeconds(30)), "not every daemon reached create");
                return candidates[i];
            }))));

            var stored = new TlsSecretPem(Decode(_server.FindSecret(Namespace, Name)!, "tls.crt"), Decode(_server.FindSecret(Namespace, Name)!, "tls.key"));
            Assert.All(results, r => Assert.Equal(stored, r));
            Assert.Single(candidates, c => c == stored);
            Assert.Equal(daemons, _server.RequestCounts["POST secrets"]);
            Assert.Equal(daemons + (daemons - 1), _server.RequestCounts["GET secrets"]);
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task GetOrCreateAsync_SecretPresent_ReturnsItWithoutCreating()
    {
        var existing = NewPair();
        _server.AddSecret(Namespace, TlsSecret(Base64(existing.CertificatePem), Base64(existing.KeyPem)));
        await using var store = await ConnectAsync();
        _server.ResetRequestCounts();
        var created = false;

        var result = await store.TlsSecrets.GetOrCreateAsync(Namespace, Name, () =>
        {
            created = true;
            return NewPair();
        });

        Assert.Equal(existing, result);
        Assert.False(created);
        Assert.False(_server.RequestCounts.ContainsKey("POST secrets"));
    }

    [Fact]
    public async Task GetOrCreateAsync_SecretHoldsGarbage_ThrowsNamingTheSecretAndLeavesIt()
    {
        _server.AddSecret(Namespace, TlsSecret(Base64("not a certificate"), Base64("not a key")));
        await using var store = await ConnectAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.TlsSecrets.GetOrCreateAsync(Namespace, Name, NewPair));

        Assert.Contains($"secret {Namespace}/{Name}", e.Message, StringComparison.Ordinal);
        Assert.Equal("not a certificate", Decode(_server.FindSecret(Namespace, Name)!, "tls.crt"));
    }

    [Fact]
    public async Task GetOrCreateAsync_KeyDoesNotMatchCertificate_Throws()
    {
        var pair = NewPair();
        _server.AddSecret(Namespace, TlsSecret(Base64(pair.CertificatePem), Base64(NewPair().KeyPem)));
        await using var store = await ConnectAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.TlsSecrets.GetOrCreateAsync(Namespace, Name, NewPair));

        Assert.Contains("matching private key", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOrCreateAsync_DataNotBase64_ThrowsNamingTheField()
    {
        _server.AddSecret(Namespace, TlsSecret("%%%", Base64(NewPair().KeyPem)));
        await using var store = await ConnectAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.TlsSecrets.GetOrCreateAsync(Namespace, Name, NewPair));

        Assert.Contains("data.tls.crt is not base64", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetOrCreateAsync_SecretWithoutTlsKey_ThrowsNamingTheField()
    {
        var secret = TlsSecret(Base64(NewPair().CertificatePem), "");
        ((JsonObject)secret["data"]!).Remove("tls.key");
        _server.AddSecret(Namespace, secret);
        await using var store = await ConnectAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => store.TlsSecrets.GetOrCreateAsync(Namespace, Name, NewPair));

        Assert.Contains("has no data.tls.key", e.Message, StringComparison.Ordinal);
    }

    private Task<KubernetesTopologyStore> ConnectAsync() => KubernetesTopologyStore.ConnectAsync(_server.ClientConfiguration());

    /// <summary>A fresh self-signed ECDSA CA, as the daemon creates one.</summary>
    private static TlsSecretPem NewPair()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=test CA", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return new TlsSecretPem(certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private static JsonObject TlsSecret(string certificateBase64, string keyBase64) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Secret",
        ["metadata"] = new JsonObject { ["name"] = Name },
        ["type"] = "kubernetes.io/tls",
        ["data"] = new JsonObject { ["tls.crt"] = certificateBase64, ["tls.key"] = keyBase64 },
    };

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string Decode(JsonObject secret, string key) => Encoding.UTF8.GetString(Convert.FromBase64String((string)secret["data"]![key]!));
}
