using Meshnet.Testing;

namespace Meshnet.Netlink.Tests;

public sealed class NetNsTests
{
    private static string UniqueName() => $"mt-{Guid.NewGuid():N}"[..15];

    [SkippableFact]
    public void Create_NewName_VisibleToIpNetnsList()
    {
        ScratchNamespace.RequireRoot();
        var name = UniqueName();
        try
        {
            using var ns = NetNs.Create(name);

            Assert.Contains(name, Cmd.Run("ip", "netns", "list").EnsureSuccess().Stdout);
            Assert.True(NetNs.Exists(name));
            Assert.Contains(name, NetNs.List());
        }
        finally
        {
            NetNs.Delete(name);
        }
    }

    [SkippableFact]
    public void Create_NewName_IsUsableByIpNetnsExec()
    {
        ScratchNamespace.RequireRoot();
        var name = UniqueName();
        try
        {
            using var ns = NetNs.Create(name);

            var links = Cmd.Run("ip", "netns", "exec", name, "ip", "-o", "link").EnsureSuccess().Stdout;
            Assert.Equal("lo", links.Split(':')[1].Trim());
            Assert.Single(links.Trim().Split('\n'));
        }
        finally
        {
            NetNs.Delete(name);
        }
    }

    [SkippableFact]
    public void Delete_Existing_RemovesFromIpNetnsList()
    {
        ScratchNamespace.RequireRoot();
        var name = UniqueName();
        NetNs.Create(name).Dispose();

        NetNs.Delete(name);

        Assert.DoesNotContain(name, Cmd.Run("ip", "netns", "list").EnsureSuccess().Stdout);
        Assert.False(NetNs.Exists(name));
    }

    [SkippableFact]
    public void Delete_Missing_DoesNotThrow()
    {
        ScratchNamespace.RequireRoot();

        NetNs.Delete(UniqueName());
    }

    [SkippableFact]
    public void Create_ExistingName_ThrowsEexist()
    {
        ScratchNamespace.RequireRoot();
        using var scratch = new ScratchNamespace();

        var error = Assert.Throws<NetlinkException>(() => NetNs.Create(scratch.Name));

        Assert.Equal(17, error.Errno);
    }

    [SkippableFact]
    public void Run_Action_ExecutesInsideTheNamespace()
    {
        ScratchNamespace.RequireRoot();
        using var scratch = new ScratchNamespace();
        var expected = scratch.Exec("readlink", "/proc/self/ns/net").EnsureSuccess().Stdout.Trim();

        var inside = scratch.Ns.Run(() => new FileInfo("/proc/thread-self/ns/net").LinkTarget);

        Assert.Equal(expected, inside);
    }

    [SkippableFact]
    public void Run_Action_LeavesCallingThreadInItsNamespace()
    {
        ScratchNamespace.RequireRoot();
        using var scratch = new ScratchNamespace();
        var before = new FileInfo("/proc/thread-self/ns/net").LinkTarget;

        scratch.Ns.Run(() => { });

        Assert.Equal(before, new FileInfo("/proc/thread-self/ns/net").LinkTarget);
    }

    [Fact]
    public void Open_MissingName_ThrowsEnoent()
    {
        var error = Assert.Throws<NetlinkException>(() => NetNs.Open(UniqueName()));

        Assert.Equal(2, error.Errno);
    }
}
