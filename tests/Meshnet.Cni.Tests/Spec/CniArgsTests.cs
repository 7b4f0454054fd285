using CsCheck;
using Meshnet.Cni.Spec;
using Xunit;

namespace Meshnet.Cni.Tests.Spec;

public sealed class CniArgsTests
{
    private static readonly Gen<string> Token = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-."], 1, 20];

    [Fact]
    public void Parse_KubeletArgs_FindsThePod()
    {
        var args = CniArgs.Parse("IgnoreUnknown=1;K8S_POD_NAMESPACE=lab;K8S_POD_NAME=r1;K8S_POD_INFRA_CONTAINER_ID=abc");

        Assert.Equal(new PodRef("lab", "r1"), args.Pod);
    }

    [Fact]
    public void Parse_Empty_HasNoPod()
    {
        Assert.Null(CniArgs.Parse("").Pod);
    }

    [Fact]
    public void Parse_EmptyPodName_HasNoPod()
    {
        Assert.Null(CniArgs.Parse("K8S_POD_NAMESPACE=lab;K8S_POD_NAME=").Pod);
    }

    [Fact]
    public void Parse_AnyWellFormedPairs_ReturnsEveryValue()
    {
        Gen.Select(Token, Token).Array[1, 6].Sample(pairs =>
        {
            var args = CniArgs.Parse(string.Join(';', pairs.Select(p => $"{p.Item1}={p.Item2}")));
            // The last occurrence of a key wins.
            return pairs.GroupBy(p => p.Item1).All(g => args.Get(g.Key) == g.Last().Item2);
        });
    }

    [Fact]
    public void Parse_ValueContainingEquals_KeepsEverythingAfterTheFirst()
    {
        Assert.Equal("a=b", CniArgs.Parse("K=a=b").Get("K"));
    }

    [Fact]
    public void Parse_PairWithoutEquals_IsInvalidEnvironment()
    {
        var error = Assert.Throws<CniException>(() => CniArgs.Parse("A=1;B"));

        Assert.Equal((uint)CniErrorCode.InvalidEnvironmentVariables, error.Code);
    }
}
