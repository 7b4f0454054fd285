using System.Security.Cryptography.X509Certificates;
using Meshnet.Daemon.Security;
using Xunit;

namespace Meshnet.Daemon.Tests.Security;

public sealed class NodeCertificateValidatorTests : IDisposable
{
    private readonly ClusterCa _ca = SecurityFixtures.NewCa();
    private readonly NodeCertificateValidator _validator;

    public NodeCertificateValidatorTests() => _validator = new NodeCertificateValidator(_ca.PublicCertificate, TimeProvider.System);

    [Fact]
    public void Validate_IssuedByTheCaAsClient_ReturnsTheNodeName()
    {
        using var cert = NodeCertificates.Issue(_ca, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        Assert.Equal(new NodeIdentity("node-a", null), _validator.Validate(cert, NodeCertificatePurpose.Client));
    }

    [Fact]
    public void Validate_IssuedByTheCaAsServer_ReturnsTheNodeName()
    {
        using var cert = NodeCertificates.Issue(_ca, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        Assert.Equal(new NodeIdentity("node-a", null), _validator.Validate(cert, NodeCertificatePurpose.Server));
    }

    [Fact]
    public void Validate_IssuedByAnotherCa_Refused()
    {
        using var otherCa = SecurityFixtures.NewCa();
        using var cert = NodeCertificates.Issue(otherCa, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);

        Assert.False(_validator.Validate(cert, NodeCertificatePurpose.Client).IsValid);
    }

    [Fact]
    public void Validate_Expired_Refused()
    {
        using var cert = NodeCertificates.Issue(_ca, "node-a", SecurityFixtures.NodeAddresses, TimeProvider.System);
        var later = new NodeCertificateValidator(_ca.PublicCertificate, new ManualTime(DateTimeOffset.UtcNow + NodeCertificates.Validity + TimeSpan.FromDays(1)));

        Assert.False(later.Validate(cert, NodeCertificatePurpose.Client).IsValid);
    }

    [Fact]
    public void Validate_NoCertificate_Refused() =>
        Assert.False(_validator.Validate(null, NodeCertificatePurpose.Client).IsValid);

    [Fact]
    public void Validate_TheCaCertificateItself_Refused() =>
        Assert.False(_validator.Validate(_ca.Certificate, NodeCertificatePurpose.Client).IsValid);

    [Fact]
    public void Validate_ServerOnlyCertificateUsedAsClient_Refused()
    {
        using var cert = SecurityFixtures.Sign(_ca, "CN=node-a", r =>
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("node-a");
            r.CertificateExtensions.Add(san.Build());
            r.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([KeyPurposeOids.For(NodeCertificatePurpose.Server)], false));
        });

        Assert.False(_validator.Validate(cert, NodeCertificatePurpose.Client).IsValid);
    }

    [Fact]
    public void Validate_TwoNodeNames_Refused()
    {
        using var cert = SecurityFixtures.Sign(_ca, "CN=node-a", r =>
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("node-a");
            san.AddDnsName("node-b");
            r.CertificateExtensions.Add(san.Build());
        });

        Assert.False(_validator.Validate(cert, NodeCertificatePurpose.Client).IsValid);
    }

    [Fact]
    public void Validate_CommonNameDiffersFromSan_Refused()
    {
        using var cert = SecurityFixtures.Sign(_ca, "CN=node-b", r =>
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName("node-a");
            r.CertificateExtensions.Add(san.Build());
        });

        Assert.False(_validator.Validate(cert, NodeCertificatePurpose.Client).IsValid);
    }

    public void Dispose() => _ca.Dispose();
}
