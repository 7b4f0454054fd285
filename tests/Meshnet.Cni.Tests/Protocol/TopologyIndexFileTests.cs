using CsCheck;
using Meshnet.Cni.Tests.Infrastructure;
using Meshnet.Protocol;
using Xunit;

namespace Meshnet.Cni.Tests.Protocol;

public sealed class TopologyIndexFileTests : IDisposable
{
    private static readonly Gen<string> KubeName = Gen.String[Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-."], 1, 20];

    private readonly PluginSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    [Fact]
    public void Contains_AnyWrittenPods_FindsExactlyThose()
    {
        Gen.Select(KubeName, KubeName).Array[0, 8].Select(Gen.Select(KubeName, KubeName)).Sample((pods, probe) =>
        {
            TopologyIndexFile.Write(_sandbox.IndexPath, pods);
            return TopologyIndexFile.Contains(_sandbox.IndexPath, probe.Item1, probe.Item2) == pods.Contains(probe)
                && pods.All(p => TopologyIndexFile.Contains(_sandbox.IndexPath, p.Item1, p.Item2));
        }, iter: 200, threads: 1); // one index file: samples must not race
    }

    [Fact]
    public void Write_Always_IsOneSortedLinePerPod()
    {
        TopologyIndexFile.Write(_sandbox.IndexPath, [("ns2", "b"), ("ns1", "a"), ("ns2", "b")]);

        Assert.Equal("ns1/a\nns2/b\n", File.ReadAllText(_sandbox.IndexPath));
    }

    [Fact]
    public void Contains_NoIndexFile_Throws()
    {
        Assert.Throws<FileNotFoundException>(() => TopologyIndexFile.Contains(_sandbox.IndexPath, "ns", "a"));
    }

    [Fact]
    public void Contains_NameIsPrefixOfListedPod_IsFalse()
    {
        TopologyIndexFile.Write(_sandbox.IndexPath, [("lab", "r10")]);

        Assert.False(TopologyIndexFile.Contains(_sandbox.IndexPath, "lab", "r1"));
    }

    [Fact]
    public void Write_NameWithSlash_Throws()
    {
        Assert.Throws<ArgumentException>(() => TopologyIndexFile.Write(_sandbox.IndexPath, [("a/b", "c")]));
    }
}
