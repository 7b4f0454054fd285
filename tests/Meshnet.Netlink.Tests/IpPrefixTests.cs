using System.Net;
using CsCheck;

namespace Meshnet.Netlink.Tests;

public sealed class IpPrefixTests
{
    [Theory]
    [InlineData("10.0.0.1/24", "10.0.0.1", 24)]
    [InlineData("2001:db8::1/64", "2001:db8::1", 64)]
    [InlineData("192.168.1.7", "192.168.1.7", 32)]
    public void Parse_ValidCidr_ReturnsAddressAndLength(string text, string address, int length)
    {
        var prefix = IpPrefix.Parse(text);

        Assert.Equal(IPAddress.Parse(address), prefix.Address);
        Assert.Equal(length, prefix.PrefixLength);
    }

    [Theory]
    [InlineData("10.0.0.1/33")]
    [InlineData("10.0.0.1/")]
    [InlineData("10.0.0.1/-1")]
    [InlineData("nonsense/8")]
    [InlineData("")]
    public void TryParse_Invalid_ReturnsFalse(string text) => Assert.False(IpPrefix.TryParse(text, out _));

    [Fact]
    public void ToString_AnyIpv4Prefix_ParsesBackToEqual()
    {
        Gen.Select(Gen.UInt, Gen.Int[0, 32]).Sample((bits, length) =>
        {
            var prefix = new IpPrefix(new IPAddress(bits), length);
            Assert.Equal(prefix, IpPrefix.Parse(prefix.ToString()));
        });
    }
}
