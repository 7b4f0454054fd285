using System.Security.Cryptography.X509Certificates;
using Meshnet.Daemon.Security;
using Xunit;

namespace Meshnet.Daemon.Tests.Security;

public sealed class ClusterCaTests : IDisposable
{
    private readonly TestDirectory _dir = new();

    [Fact]
    public async Task LoadOrCreateAsync_TwoDaemonsOnOneDirectoryAtOnce_GetTheSameCa()
    {
        var both = await Task.WhenAll(
            Task.Run(() => ClusterCa.LoadOrCreateAsync(new FileCaSource(_dir.Path), TimeProvider.System, CancellationToken.None)),
            Task.Run(() => ClusterCa.LoadOrCreateAsync(new FileCaSource(_dir.Path), TimeProvider.System, CancellationToken.None)));
        using var a = both[0];
        using var b = both[1];

        Assert.Equal(a.Certificate.Thumbprint, b.Certificate.Thumbprint);
    }

    [Fact]
    public void CreatePem_Always_MakesAnEcdsaCaThatCanOnlySignCertificates()
    {
        using var ca = ClusterCa.FromPem(ClusterCa.CreatePem(TimeProvider.System));

        var constraints = Assert.Single(ca.Certificate.Extensions.OfType<X509BasicConstraintsExtension>());
        Assert.True(constraints.CertificateAuthority);
        Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, Assert.Single(ca.Certificate.Extensions.OfType<X509KeyUsageExtension>()).KeyUsages);
        Assert.Equal("ECC", ca.Certificate.PublicKey.Oid.FriendlyName);
    }

    [Fact]
    public void FromPem_KeyOfAnotherCa_Throws()
    {
        var one = ClusterCa.CreatePem(TimeProvider.System);
        var other = ClusterCa.CreatePem(TimeProvider.System);

        Assert.Throws<InvalidOperationException>(() => ClusterCa.FromPem(one with { KeyPem = other.KeyPem }));
    }

    [Fact]
    public void FromPem_NodeCertificate_Throws()
    {
        using var ca = SecurityFixtures.NewCa();
        using var node = NodeCertificates.Issue(ca, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);
        using var key = node.GetECDsaPrivateKey()!;

        Assert.Throws<InvalidOperationException>(() => ClusterCa.FromPem(new CaPem(node.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem())));
    }

    public void Dispose() => _dir.Dispose();
}
