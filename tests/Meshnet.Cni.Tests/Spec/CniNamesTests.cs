using System.Text.RegularExpressions;
using CsCheck;
using Meshnet.Cni.Spec;
using Xunit;

namespace Meshnet.Cni.Tests.Spec;

public sealed partial class CniNamesTests
{
    [GeneratedRegex(@"^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$")]
    private static partial Regex SkelNamePattern();

    [Fact]
    public void IsValidName_AnyString_AgreesWithSkelsPattern()
    {
        Gen.String[Gen.Char["aZ09_.-/ :é"], 0, 12].Sample(s => CniNames.IsValidName(s) == SkelNamePattern().IsMatch(s));
    }

    [Theory]
    [InlineData("eth0")]
    [InlineData("exactly15chars_")]
    public void ValidateInterfaceName_Valid_DoesNotThrow(string name)
    {
        CniNames.ValidateInterfaceName(name);
    }

    [Fact]
    public void ValidateContainerId_Empty_IsUnknownContainer()
    {
        var error = Assert.Throws<CniException>(() => CniNames.ValidateContainerId(""));

        Assert.Equal((uint)CniErrorCode.UnknownContainer, error.Code);
    }
}
