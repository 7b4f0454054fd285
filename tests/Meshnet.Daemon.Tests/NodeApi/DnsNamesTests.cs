using System.Text.RegularExpressions;
using CsCheck;
using Meshnet.Daemon.Security;
using Xunit;

namespace Meshnet.Daemon.Tests.NodeApi;

public sealed partial class DnsNamesTests
{
    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\z")] // \z: $ would also match before a final newline
    private static partial Regex Label();

    [Fact]
    public void IsLabel_AnyString_AgreesWithTheKubernetesPattern() =>
        Gen.String[Gen.Char["abz09-.A_/\n"], 0, 70].Sample(s => DnsNames.IsLabel(s) == Label().IsMatch(s));

    [Theory]
    [InlineData("node-a", true)]
    [InlineData("node-a.example.com", true)]
    [InlineData("node-a.", false)]
    [InlineData(".node-a", false)]
    [InlineData("node..a", false)]
    public void IsSubdomain_Example_MatchesRfc1123(string name, bool valid) =>
        Assert.Equal(valid, DnsNames.IsSubdomain(name));
}
