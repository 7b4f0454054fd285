using System.Diagnostics;
using Meshnet.Testing;
using Xunit;

namespace Meshnet.Ctl.Tests.Lab;

/// <summary><c>lab exec</c> in a pod without containers behaves as <c>ip netns exec</c>.</summary>
public sealed class LabExecTests : IDisposable
{
    private readonly LabCli _lab = new();

    private void Up()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        _lab.Run("lab", "up", Path.Combine(Examples.Dir, "pair.yaml"), "--name", _lab.Name).EnsureSuccess();
    }

    [SkippableFact]
    public void LabExec_SysClassNet_ListsOnlyThePodsInterfaces()
    {
        Up();

        var listed = _lab.Run("lab", "exec", _lab.Name, "r1", "--", "ls", "/sys/class/net").EnsureSuccess().Stdout;

        Assert.Equal(["eth1", "lo"], listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
    }

    [SkippableFact]
    public void LabExec_SysfsAttribute_IsThePodInterfaces()
    {
        Up();
        Cmd.Run("ip", "-n", _lab.Ns("r1"), "link", "set", "eth1", "mtu", "1400").EnsureSuccess();

        Assert.Equal("1400", _lab.Run("lab", "exec", _lab.Name, "r1", "--", "cat", "/sys/class/net/eth1/mtu").EnsureSuccess().Stdout.Trim());
    }

    [SkippableFact]
    public void LabExec_EtcNetnsFile_IsBoundOverEtc()
    {
        Up();
        var dir = Path.Combine("/etc/netns", _lab.Ns("r1"));
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllText(Path.Combine(dir, "hosts"), "10.0.0.2 peer-of-r1\n");

            var hosts = _lab.Run("lab", "exec", _lab.Name, "r1", "--", "cat", "/etc/hosts").EnsureSuccess().Stdout;

            Assert.Equal("10.0.0.2 peer-of-r1\n", hosts);
            Assert.DoesNotContain("peer-of-r1", File.ReadAllText("/etc/hosts"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [SkippableFact]
    public void LabExec_Stdin_IsPassedThrough()
    {
        Up();

        Assert.Equal("from stdin\n", _lab.Run(["lab", "exec", _lab.Name, "r2", "--", "cat"], "from stdin\n").EnsureSuccess().Stdout);
    }

    [SkippableFact]
    public void LabExec_CommandNotFound_Exits127()
    {
        Up();

        var result = _lab.Run("lab", "exec", _lab.Name, "r2", "--", "no-such-command-here");

        Assert.Equal(127, result.ExitCode);
        Assert.Contains("No such file or directory", result.Stderr);
    }

    [SkippableFact]
    public void LabExec_Signal_ReachesTheCommandItself()
    {
        Up();
        var argv = _lab.CommandLine("lab", "exec", _lab.Name, "r1", "--", "sleep", "60");
        var psi = new ProcessStartInfo(argv[0]) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in argv.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }

        foreach (var (k, v) in _lab.Environment())
        {
            psi.Environment[k] = v;
        }

        using var p = Process.Start(psi)!;
        // The process becomes the command (as with ip netns exec): no wrapper stands between a signal and it.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (File.ReadAllText($"/proc/{p.Id}/comm").Trim() != "sleep" && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
        }

        Cmd.Run("kill", "-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)).EnsureSuccess();

        Assert.True(p.WaitForExit(10_000));
        Assert.Equal(128 + 15, p.ExitCode);
    }

    [SkippableFact]
    public void LabExec_UnderATerminal_GivesTheCommandTheTerminal()
    {
        Up();
        Skip.IfNot(Cmd.Exists("script"), "needs script(1) from bsdutils to provide a terminal");
        var line = string.Join(' ', _lab.CommandLine("lab", "exec", _lab.Name, "r1", "--", "tty").Select(a => $"'{a}'"));

        var result = Cmd.Run("script", ["-qec", line, "/dev/null"], stdin: null, env: _lab.Environment());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("/dev/pts/", result.Stdout);
    }

    public void Dispose() => _lab.Dispose();
}
