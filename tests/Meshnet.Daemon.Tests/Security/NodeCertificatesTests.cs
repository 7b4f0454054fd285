using System.Net;
using System.Security.Cryptography.X509Certificates;
using Meshnet.Daemon.Security;
using Xunit;

namespace Meshnet.Daemon.Tests.Security;

public sealed class NodeCertificatesTests : IDisposable
{
    private readonly TestDirectory _dir = new();
    private readonly ClusterCa _ca = SecurityFixtures.NewCa();

    [Fact]
    public void Issue_Always_NamesTheNodeInCnAndOneDnsSan()
    {
        using var cert = NodeCertificates.Issue(_ca, "node-a.example", SecurityFixtures.NodeAddresses, TimeProvider.System);

        Assert.Equal("node-a.example", cert.GetNameInfo(X509NameType.SimpleName, forIssuer: false));
        Assert.Equal(["node-a.example"], cert.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
    }

    [Fact]
    public void Issue_Always_CarriesTheNodeAddressesAsIpSans()
    {
        using var cert = NodeCertificates.Issue(_ca, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        Assert.True(NodeCertificates.AddressesOf(cert).SetEquals(SecurityFixtures.NodeAddresses));
    }

    [Fact]
    public void Issue_Always_AllowsServerAndClientAuthentication()
    {
        using var cert = NodeCertificates.Issue(_ca, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        var usages = cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value);
        Assert.Equal([KeyPurposeOids.ServerAuth, KeyPurposeOids.ClientAuth], usages);
    }

    [Fact]
    public void Issue_Always_ExpiresWithinAboutAYear()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        using var cert = NodeCertificates.Issue(_ca, "node-a", SecurityFixtures.NodeAddresses, time);

        Assert.InRange(cert.NotAfter.ToUniversalTime(), time.Now.UtcDateTime.AddDays(364), time.Now.UtcDateTime.AddDays(366));
    }

    [Theory]
    [InlineData("Node-A")]
    [InlineData("../etc")]
    [InlineData("")]
    [InlineData("node_a")]
    public void Issue_NameNotADnsSubdomain_Throws(string name) =>
        Assert.Throws<ArgumentException>(() => NodeCertificates.Issue(_ca, name, SecurityFixtures.NodeAddresses, TimeProvider.System));

    [Fact]
    public void LoadOrIssue_ValidCertificateSaved_ReusesIt()
    {
        using var first = NodeCertificates.LoadOrIssue(_ca, _dir.Path, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        using var second = NodeCertificates.LoadOrIssue(_ca, _dir.Path, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        Assert.Equal(first.Thumbprint, second.Thumbprint);
        Assert.True(second.HasPrivateKey);
    }

    [Fact]
    public void LoadOrIssue_AddressesChanged_IssuesANewCertificate()
    {
        using var first = NodeCertificates.LoadOrIssue(_ca, _dir.Path, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        using var second = NodeCertificates.LoadOrIssue(_ca, _dir.Path, "node-a", [IPAddress.Parse("192.0.2.99")], TimeProvider.System);

        Assert.NotEqual(first.Thumbprint, second.Thumbprint);
        Assert.Equal([IPAddress.Parse("192.0.2.99")], NodeCertificates.AddressesOf(second));
    }

    [Fact]
    public void LoadOrIssue_SavedCertificateAboutToExpire_IssuesANewOne()
    {
        var time = new ManualTime(DateTimeOffset.UtcNow);
        using var first = NodeCertificates.LoadOrIssue(_ca, _dir.Path, "node-a", SecurityFixtures.NodeAddresses, time);
        time.Now += NodeCertificates.Validity - NodeCertificates.RenewBefore + TimeSpan.FromDays(1);

        using var second = NodeCertificates.LoadOrIssue(_ca, _dir.Path, "node-a", SecurityFixtures.NodeAddresses, time);

        Assert.NotEqual(first.Thumbprint, second.Thumbprint);
    }

    [Fact]
    public void LoadOrIssue_SavedCertificateFromAnotherCa_IssuesOneFromThisCa()
    {
        using var otherCa = SecurityFixtures.NewCa();
        using var stale = NodeCertificates.LoadOrIssue(otherCa, _dir.Path, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        using var cert = NodeCertificates.LoadOrIssue(_ca, _dir.Path, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        Assert.True(new NodeCertificateValidator(_ca.PublicCertificate, TimeProvider.System).Validate(cert, NodeCertificatePurpose.Client).IsValid);
    }

    [Fact]
    public void LoadOrIssue_Saved_KeyFileIsOwnerOnly()
    {
        using var cert = NodeCertificates.LoadOrIssue(_ca, _dir.Path, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(NodeCertificates.KeyPath(_dir.Path, "node-a")));
    }

    public void Dispose()
    {
        _ca.Dispose();
        _dir.Dispose();
    }
}
