using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Meshnet.Daemon.Security;

namespace Meshnet.Daemon.Tests.Security;

/// <summary>A clock that stands still wherever the test puts it.</summary>
internal sealed class ManualTime(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

/// <summary>A directory that exists for one test.</summary>
internal sealed class TestDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("meshnet-security-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class SecurityFixtures
{
    public static readonly IPAddress[] NodeAddresses = [IPAddress.Parse("192.0.2.10"), IPAddress.Parse("2001:db8::10")];

    public static ClusterCa NewCa(TimeProvider? time = null) => ClusterCa.FromPem(ClusterCa.CreatePem(time ?? TimeProvider.System));

    /// <summary>A certificate signed by <paramref name="ca"/> with whatever extensions the test wants (to forge bad ones).</summary>
    public static X509Certificate2 Sign(ClusterCa ca, string subject, Action<CertificateRequest> extend)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        extend(request);
        var now = DateTimeOffset.UtcNow;
        using var issued = request.Create(ca.Certificate, now.AddMinutes(-1), now.AddDays(1), [1, 2, 3, 4]);
        return issued.CopyWithPrivateKey(key);
    }
}
