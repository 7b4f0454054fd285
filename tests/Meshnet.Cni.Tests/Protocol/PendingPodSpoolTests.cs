using Meshnet.Cni.Tests.Infrastructure;
using Meshnet.Protocol;
using Xunit;

namespace Meshnet.Cni.Tests.Protocol;

public sealed class PendingPodSpoolTests : IDisposable
{
    private readonly PluginSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private static PendingPod Pod(string containerId) => new("lab", "r1", containerId, "/var/run/netns/x", "eth0");

    [Fact]
    public void Read_AfterWrite_ReturnsTheSamePod()
    {
        _sandbox.Spool.Write(Pod("abc"));

        Assert.Equal(Pod("abc"), _sandbox.Spool.Read("abc"));
    }

    [Fact]
    public void Write_Always_UsesTheAgreedJsonKeys()
    {
        _sandbox.Spool.Write(Pod("abc"));

        Assert.Equal("""{"namespace":"lab","name":"r1","containerId":"abc","netns":"/var/run/netns/x","ifname":"eth0"}""",
            File.ReadAllText(_sandbox.Spool.PathFor("abc")));
    }

    [Fact]
    public void Remove_Existing_ReturnsTrueAndDeletes()
    {
        _sandbox.Spool.Write(Pod("abc"));

        Assert.True(_sandbox.Spool.Remove("abc"));
        Assert.Null(_sandbox.Spool.Read("abc"));
    }

    [Fact]
    public void Remove_Missing_ReturnsFalse()
    {
        Assert.False(_sandbox.Spool.Remove("abc"));
    }

    [Fact]
    public void ReadAll_CorruptFileAmongGoodOnes_SkipsOnlyTheCorruptOne()
    {
        _sandbox.Spool.Write(Pod("good1"));
        _sandbox.Spool.Write(Pod("good2"));
        File.WriteAllText(Path.Combine(_sandbox.Spool.Directory, "bad.json"), "{ truncated");

        var pods = _sandbox.Spool.ReadAll();

        Assert.Equal(["good1", "good2"], pods.Select(p => p.ContainerId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void ReadAll_NoSpoolDirectory_IsEmpty()
    {
        Assert.Empty(_sandbox.Spool.ReadAll());
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData(".hidden")]
    [InlineData("")]
    public void PathFor_UnsafeContainerId_Throws(string containerId)
    {
        Assert.Throws<ArgumentException>(() => _sandbox.Spool.PathFor(containerId));
    }
}
