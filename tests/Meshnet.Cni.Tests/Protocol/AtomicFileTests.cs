using Meshnet.Cni.Tests.Infrastructure;
using Meshnet.Protocol;
using Xunit;

namespace Meshnet.Cni.Tests.Protocol;

public sealed class AtomicFileTests : IDisposable
{
    private readonly PluginSandbox _sandbox = new();

    public void Dispose() => _sandbox.Dispose();

    private string Target => Path.Combine(_sandbox.StateDir, "file");

    [Fact]
    public void WriteAllText_ExistingFileHeldOpen_ReaderKeepsOldContent()
    {
        File.WriteAllText(Target, "old");
        using var reader = new StreamReader(Target);

        AtomicFile.WriteAllText(Target, "new");

        Assert.Equal("old", reader.ReadToEnd());
        Assert.Equal("new", File.ReadAllText(Target));
    }

    [Fact]
    public void WriteAllText_Always_LeavesOnlyTheTarget()
    {
        AtomicFile.WriteAllText(Target, "x");

        Assert.Equal([Target], Directory.GetFiles(_sandbox.StateDir));
    }

    [Fact]
    public void WriteAllText_GivenMode_IsAppliedDespiteUmask()
    {
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherWrite;

        AtomicFile.WriteAllText(Target, "x", mode);

        Assert.Equal(mode, File.GetUnixFileMode(Target));
    }

    [Fact]
    public void WriteAllText_MissingDirectory_ThrowsAndLeavesNothing()
    {
        string target = Path.Combine(_sandbox.StateDir, "nope", "file");

        Assert.Throws<DirectoryNotFoundException>(() => AtomicFile.WriteAllText(target, "x"));
        Assert.Empty(Directory.GetFileSystemEntries(_sandbox.StateDir));
    }
}
