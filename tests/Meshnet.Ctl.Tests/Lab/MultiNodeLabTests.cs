using System.Text.Json;
using Meshnet.Testing;
using Xunit;

namespace Meshnet.Ctl.Tests.Lab;

/// <summary>
/// Labs spread over emulated nodes: node namespaces on an underlay bridge, one real meshnetd per node, VXLAN
/// between nodes — driven through the published meshnetctl as a user drives it.
/// </summary>
public sealed partial class MultiNodeLabTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-mn-").FullName;
    private readonly List<string> _labs = [];

    private string NewLab()
    {
        var lab = "m" + Guid.NewGuid().ToString("N")[..8];
        _labs.Add(lab);
        return lab;
    }

    private Cmd.Result Ctl(params string[] args) =>
        Cmd.Run(Dist.Ctl, ["--store", $"sqlite:{_dir}/store.db", .. args], stdin: null,
            env: new Dictionary<string, string> { ["MESHNET_RUN_DIR"] = Path.Combine(_dir, "run") }, TimeSpan.FromSeconds(120));

    private string Write(string yaml)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private JsonElement[] Inspect(string lab) =>
        [.. JsonDocument.Parse(Ctl("lab", "inspect", lab, "--json").EnsureSuccess().Stdout).RootElement.EnumerateArray()];

    /// <summary>Every end pings its peer's address.</summary>
    private void AssertEveryLinkPingsBothWays(string lab, string file)
    {
        foreach (var topo in Meshnet.Model.TopologyParser.ParseYaml(File.ReadAllText(file), lab))
        {
            foreach (var link in topo.Spec.Links.Where(l => !string.IsNullOrEmpty(l.PeerIp)))
            {
                var peer = link.PeerIp!.Split('/')[0];
                Assert.True(Cmd.Ping($"mn.{lab}.{topo.Name}", peer), $"{topo.Name}:{link.LocalIntf} -> {peer}");
            }
        }
    }

    [SkippableTheory]
    [InlineData("pair.yaml", 2)]
    [InlineData("triangle.yaml", 2)]
    [InlineData("quincunx.yaml", 3)]
    [InlineData("parallel.yaml", 3)]
    public void LabUp_ExampleAcrossNodes_EveryLinkPingsBothWays(string example, int nodes)
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var lab = NewLab();
        var file = Path.Combine(Examples.Dir, example);

        var up = Ctl("lab", "up", file, "--name", lab, "--nodes", nodes.ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(up.ExitCode == 0, up.Stdout + up.Stderr);
        var ends = Inspect(lab);
        Assert.All(ends, e => Assert.Equal("up", e.GetProperty("state").GetString()));
        Assert.Equal(nodes, ends.Select(e => e.GetProperty("node").GetString()).Distinct().Count());
        Assert.Contains(ends, e => e.GetProperty("transport").GetString() == "vxlan");
        AssertEveryLinkPingsBothWays(lab, file);
    }

    [SkippableFact]
    public void LabUp_TwoLabsOnOneStore_NeverShareAVni()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var (a, b) = (NewLab(), NewLab());
        var file = Path.Combine(Examples.Dir, "triangle.yaml");

        var upA = Task.Run(() => Ctl("lab", "up", file, "--name", a, "--nodes", "3"));
        var upB = Task.Run(() => Ctl("lab", "up", file, "--name", b, "--nodes", "3"));
        Assert.Equal(0, upA.Result.ExitCode);
        Assert.Equal(0, upB.Result.ExitCode);

        // Same uids in two namespaces: every VXLAN end of a link uses its link's VNI, and no two links share one.
        var vnis = new[] { a, b }.SelectMany(lab => new[] { "r1", "r2", "r3" }.SelectMany(pod =>
                Cmd.Run("ip", "-d", "-n", $"mn.{lab}.{pod}", "-o", "link", "show", "type", "vxlan").Stdout.Split('\n')
                    .Where(l => l.Contains("vxlan id", StringComparison.Ordinal))
                    .Select(l => (Lab: lab, Vni: l.Split("vxlan id ")[1].Split(' ')[0]))))
            .ToList();
        Assert.Equal(12, vnis.Count); // per lab 3 links, every pod on its own node: two VXLAN ends per link
        Assert.Equal(6, vnis.Select(v => v.Vni).Distinct().Count());
        Assert.DoesNotContain(vnis.GroupBy(v => v.Vni), g => g.Select(v => v.Lab).Distinct().Count() > 1);
        AssertEveryLinkPingsBothWays(a, file);
        AssertEveryLinkPingsBothWays(b, file);
    }

    [SkippableFact]
    public void LabUp_PodPinnedToAnotherNode_MovesAndKeepsItsLinks()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var lab = NewLab();
        string Pinned(string node) => new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24").ToString()
            .Replace("metadata:\n  name: r1\n", $"metadata:\n  name: r1\n  labels:\n    meshnet.networkop.co.uk/node: {node}\n", StringComparison.Ordinal)
            .Replace("metadata:\n  name: r2\n", "metadata:\n  name: r2\n  labels:\n    meshnet.networkop.co.uk/node: n3\n", StringComparison.Ordinal);
        Ctl("lab", "up", Write(Pinned("n1")), "--name", lab, "--nodes", "3").EnsureSuccess();
        Assert.Equal($"{lab}-n1", Inspect(lab).First(e => e.GetProperty("pod").GetString() == "r1").GetProperty("node").GetString());

        var moved = Ctl("lab", "up", Write(Pinned("n2")), "--name", lab, "--nodes", "3");

        Assert.True(moved.ExitCode == 0, moved.Stdout + moved.Stderr);
        var r1 = Inspect(lab).First(e => e.GetProperty("pod").GetString() == "r1");
        Assert.Equal($"{lab}-n2", r1.GetProperty("node").GetString());
        Assert.Equal("up", r1.GetProperty("state").GetString());
        Assert.True(Cmd.Ping($"mn.{lab}.r2", "10.0.0.1"));
        Assert.True(Cmd.Ping($"mn.{lab}.r1", "10.0.0.2"));
    }

    [SkippableFact]
    public async Task DaemonRestart_WhilePinging_LosesNoPacketsAndRebuildsNothing()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var lab = NewLab();
        var file = Path.Combine(Examples.Dir, "pair.yaml");
        Ctl("lab", "up", file, "--name", lab, "--nodes", "2").EnsureSuccess();
        var before = Cmd.Run("ip", "-n", $"mn.{lab}.r1", "-o", "link", "show", "eth1").Stdout;

        var ping = Task.Run(() => Cmd.Run("ip", ["netns", "exec", $"mn.{lab}.r1", "ping", "-c", "60", "-i", "0.05", "-W", "1", "10.0.0.2"], null, null));
        await Task.Delay(500);
        var pidFile = Path.Combine(_dir, "run", "lab", lab, "n1", "meshnetd.pid");
        Cmd.Run("kill", "-9", File.ReadAllText(pidFile).Trim()).EnsureSuccess();
        await Task.Delay(300);
        Ctl("lab", "up", file, "--name", lab, "--nodes", "2").EnsureSuccess(); // restarts the missing daemon

        var result = await ping;
        Assert.Contains(" 0% packet loss", result.Stdout);
        Assert.Equal(before, Cmd.Run("ip", "-n", $"mn.{lab}.r1", "-o", "link", "show", "eth1").Stdout);
    }

    [SkippableFact]
    public void LabUp_LinkMtuTooLargeForUnderlay_FailsThatLinkWithAClearReason()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var lab = NewLab();
        var file = Write(new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.0.1/24", "10.0.0.2/24", mtu: 9000).ToString());

        var up = Ctl("lab", "up", file, "--name", lab, "--nodes", "2");

        Assert.NotEqual(0, up.ExitCode);
        var r1 = Inspect(lab).First(e => e.GetProperty("pod").GetString() == "r1");
        Assert.Contains("underlay MTU", r1.GetProperty("error").GetString());
        Assert.Contains("underlay MTU", Ctl("get", "-n", lab).Stdout);
    }

    [SkippableFact]
    public void LabInspectAndUp_DaemonStopped_ShowItAndRestartItSaying()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var lab = NewLab();
        Ctl("lab", "up", Path.Combine(Examples.Dir, "triangle.yaml"), "--name", lab, "--nodes", "2").EnsureSuccess();
        var pid = int.Parse(File.ReadAllText(Path.Combine(_dir, "run", "lab", lab, "n2", "meshnetd.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using (var daemon = System.Diagnostics.Process.GetProcessById(pid))
        {
            daemon.Kill();
            daemon.WaitForExit(10_000);
        }

        var down = Ctl("lab", "inspect", lab).EnsureSuccess().Stdout;
        var up = Ctl("lab", "up", Path.Combine(Examples.Dir, "triangle.yaml"), "--name", lab, "--nodes", "2").EnsureSuccess().Stdout;
        var again = Ctl("lab", "inspect", lab).EnsureSuccess().Stdout;

        Assert.Matches($@"(?m)^{lab}-n2\s+mnn\.{lab}\.n2\s+172\.30\.0\.12\s+NOT RUNNING", down);
        Assert.Matches($@"(?m)^{lab}-n1\s+\S+\s+\S+\s+running \(pid \d+\)", down);
        Assert.Contains($"meshnetd of node {lab}-n2 was not running: restarted it", up);
        Assert.Matches($@"(?m)^{lab}-n2\s+\S+\s+\S+\s+running \(pid \d+\)", again);
        Assert.Equal(0, Ctl("lab", "check", lab).ExitCode); // VXLAN links across the nodes, end to end
    }

    [SkippableFact]
    public void LabUp_PodsWithContainersAcrossNodes_ContainersRunAndEveryVxlanLinkChecks()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Skip.IfNot(Cmd.Exists("podman") && File.Exists("/bin/busybox"), "needs podman and busybox-static (./test.sh installs them)");
        BusyboxImage.Ensure();
        var lab = NewLab();

        var up = Ctl("lab", "up", MeshnetCniFiles.PathOf("3node.yml"), "--name", lab, "--nodes", "3").EnsureSuccess().Stdout;
        var check = Ctl("lab", "check", lab);
        var inside = Ctl("lab", "exec", lab, "r3", "--", "ping", "-c1", "-W2", "13.13.13.1");

        Assert.Contains("3 started, 0 removed, 0 pods failed", up);
        Assert.True(check.ExitCode == 0, check.Stdout);
        Assert.Equal(3, check.Stdout.Split('\n').Count(r => r.Contains(" vxlan ", StringComparison.Ordinal) && r.EndsWith("ok", StringComparison.Ordinal)));
        Assert.Equal(0, inside.ExitCode);
        Ctl("lab", "down", lab).EnsureSuccess();
        Assert.Equal("", Cmd.Run("podman", "ps", "-a", "-q", "--filter", $"label=meshnet.networkop.co.uk/lab={lab}").EnsureSuccess().Stdout.Trim());
    }

    public void Dispose()
    {
        foreach (var lab in _labs)
        {
            Ctl("lab", "down", lab);
        }

        Directory.Delete(_dir, recursive: true);
    }
}
