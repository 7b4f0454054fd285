using Meshnet.Daemon.CniConfig;
using Xunit;

namespace Meshnet.Daemon.Tests.CniConfig;

public sealed class PluginInstallerTests : IDisposable
{
    private const UnixFileMode Mode0755 =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private string BinDir => _dir.File("bin");

    private string Installed => Path.Combine(BinDir, PluginInstaller.BinaryName);

    [Fact]
    public void Install_NoBinaryYet_CopiesIntoANewBinDir()
    {
        string source = _dir.Write("build-meshnet", "binary v1");

        bool installed = PluginInstaller.Install(source, BinDir);

        Assert.True(installed);
        Assert.Equal("binary v1", File.ReadAllText(Installed));
    }

    [Fact]
    public void Install_Copied_IsMode0755()
    {
        string source = _dir.Write("build-meshnet", "binary v1");
        File.SetUnixFileMode(source, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        PluginInstaller.Install(source, BinDir);

        Assert.Equal(Mode0755, File.GetUnixFileMode(Installed));
    }

    [Fact]
    public void Install_IdenticalBinaryInstalled_ReturnsFalse()
    {
        string source = _dir.Write("build-meshnet", "binary v1");
        PluginInstaller.Install(source, BinDir);

        Assert.False(PluginInstaller.Install(source, BinDir));
    }

    [Fact]
    public void Install_DifferentBinaryInstalled_ReplacesItByRename()
    {
        string source = _dir.Write("build-meshnet", "binary v1");
        PluginInstaller.Install(source, BinDir);
        // A runtime executing the old binary holds it open; a rename leaves that file intact, a rewrite would not.
        using var running = File.OpenRead(Installed);
        File.WriteAllText(source, "binary v2 (longer)");

        bool installed = PluginInstaller.Install(source, BinDir);

        Assert.True(installed);
        Assert.Equal("binary v2 (longer)", File.ReadAllText(Installed));
        Assert.Equal("binary v1", new StreamReader(running).ReadToEnd());
    }

    [Fact]
    public void Install_Installed_LeavesNoTemporaryFiles()
    {
        string source = _dir.Write("build-meshnet", "binary v1");

        PluginInstaller.Install(source, BinDir);

        Assert.Equal([Installed], Directory.GetFiles(BinDir));
    }
}
