using CsCheck;
using Meshnet.Cni.Spec;
using Xunit;

namespace Meshnet.Cni.Tests.Spec;

public sealed class SpecVersionTests
{
    [Fact]
    public void TryParse_AnyThreeNumbers_RoundTrips()
    {
        Gen.Select(Gen.Int[0, 999], Gen.Int[0, 999], Gen.Int[0, 999]).Sample((major, minor, patch) =>
            SpecVersion.TryParse($"{major}.{minor}.{patch}", out var v) && v == new Version(major, minor, patch));
    }

    [Theory]
    [InlineData("1", 1, 0, 0)]
    [InlineData("0.4", 0, 4, 0)]
    public void TryParse_MissingParts_AreZero(string text, int major, int minor, int patch)
    {
        Assert.True(SpecVersion.TryParse(text, out var v));
        Assert.Equal(new Version(major, minor, patch), v);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.0.0.0")]
    [InlineData("1.x")]
    [InlineData("-1.0")]
    [InlineData("1..0")]
    public void TryParse_Malformed_Fails(string text)
    {
        Assert.False(SpecVersion.TryParse(text, out _));
    }

    [Fact]
    public void RequireAtLeast_OlderVersion_IsIncompatible()
    {
        var error = Assert.Throws<CniException>(() => SpecVersion.RequireAtLeast("0.3.1", "0.4.0", "CHECK"));

        Assert.Equal((uint)CniErrorCode.IncompatibleCniVersion, error.Code);
    }
}
