using System.Text.Json;
using Meshnet.Testing;
using Xunit;

namespace Meshnet.Ctl.Tests.Lab;

/// <summary>The <c>meshnetctl lab</c> commands run as a user runs them: a separate process, exit codes, output.</summary>
public sealed class LabCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-cli-").FullName;
    private readonly string _lab = "c" + Guid.NewGuid().ToString("N")[..8];

    private Cmd.Result Ctl(params string[] args) =>
        Cmd.Run("dotnet", [Path.Combine(AppContext.BaseDirectory, "meshnetctl.dll"), "--store", $"sqlite:{_dir}/store.db", .. args],
            stdin: null, env: new Dictionary<string, string> { ["MESHNET_RUN_DIR"] = _dir });

    private string Write(string yaml)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [SkippableFact]
    public void LabUp_InvalidFile_FailsBeforeCreatingAnything()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        // r2 disagrees about which interface of r1 it is linked to.
        var file = Write(new TopologyYaml().Link("r1", "eth1", "r2", "eth1").ToString().Replace("peer_intf: eth1\n", "peer_intf: eth9\n", StringComparison.Ordinal));

        var result = Ctl("lab", "up", file, "--name", _lab);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("peer_intf", result.Stderr);
        Assert.DoesNotContain(Cmd.Run("ip", "netns", "list").Stdout.Split('\n'), l => l.StartsWith($"mn.{_lab}.", StringComparison.Ordinal));
        Assert.Contains("no pods", Ctl("lab", "inspect", _lab).Stderr);
    }

    [SkippableFact]
    public void LabUp_BadLabName_IsRejected()
    {
        var result = Ctl("lab", "up", Path.Combine(Examples.Dir, "pair.yaml"), "--name", "Bad_Name");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("DNS label", result.Stderr);
    }

    [SkippableFact]
    public void LabExecAndInspect_AfterUp_RunInsideThePodAndShowTheLinks()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Ctl("lab", "up", Path.Combine(Examples.Dir, "pair.yaml"), "--name", _lab).EnsureSuccess();

        var ping = Ctl("lab", "exec", _lab, "r1", "--", "ping", "-c1", "-W2", "10.0.0.2");
        var table = Ctl("lab", "inspect", _lab).EnsureSuccess().Stdout;
        var json = JsonDocument.Parse(Ctl("lab", "inspect", _lab, "--json").EnsureSuccess().Stdout);

        Assert.Equal(0, ping.ExitCode);
        Assert.Contains("r2/eth1", table);
        Assert.Equal(2, json.RootElement.GetArrayLength());
        var r1 = json.RootElement.EnumerateArray().First(e => e.GetProperty("pod").GetString() == "r1");
        Assert.Equal("up", r1.GetProperty("state").GetString());
        Assert.Equal("10.0.0.1/24", r1.GetProperty("addresses")[0].GetString());
        Assert.Equal(1500, r1.GetProperty("mtu").GetInt32());
        Assert.Equal("veth", r1.GetProperty("transport").GetString());
    }

    [SkippableFact]
    public void LabExec_CommandFails_ReturnsItsExitCode()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Ctl("lab", "up", Path.Combine(Examples.Dir, "pair.yaml"), "--name", _lab).EnsureSuccess();

        Assert.Equal(3, Ctl("lab", "exec", _lab, "r2", "--", "sh", "-c", "exit 3").ExitCode);
    }

    [SkippableFact]
    public void LabDown_AfterUp_RemovesEverything()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Ctl("lab", "up", Path.Combine(Examples.Dir, "triangle.yaml"), "--name", _lab).EnsureSuccess();

        Ctl("lab", "down", _lab).EnsureSuccess();

        Assert.DoesNotContain(Cmd.Run("ip", "netns", "list").Stdout.Split('\n'), l => l.StartsWith($"mn.{_lab}.", StringComparison.Ordinal));
        Assert.Contains("no pods", Ctl("lab", "inspect", _lab).Stderr);
    }

    [SkippableFact]
    public void LabDown_AfterUp_RemovesTheLabLockFile()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Ctl("lab", "up", Path.Combine(Examples.Dir, "pair.yaml"), "--name", _lab).EnsureSuccess();
        Assert.True(File.Exists(Path.Combine(_dir, $"lab.{_lab}.lock")));

        Ctl("lab", "down", _lab).EnsureSuccess();

        Assert.False(File.Exists(Path.Combine(_dir, $"lab.{_lab}.lock")));
    }

    public void Dispose()
    {
        Ctl("lab", "down", _lab);
        Directory.Delete(_dir, recursive: true);
    }
}
