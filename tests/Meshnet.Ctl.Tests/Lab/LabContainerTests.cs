using System.Text.RegularExpressions;
using Meshnet.Testing;
using Xunit;

namespace Meshnet.Ctl.Tests.Lab;

/// <summary>
/// Pods' containers run by Podman inside the lab pod's network namespace. The image is built here from Debian's
/// busybox-static with <c>podman import</c>, since no registry is reachable in CI.
/// </summary>
public sealed class LabContainerTests : IDisposable
{
    private readonly LabCli _lab = new(containerEngine: null);

    private void Require()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        Skip.IfNot(Cmd.Exists("podman") && File.Exists("/bin/busybox"), "needs podman and busybox-static (./test.sh installs them)");
        BusyboxImage.Ensure();
    }

    private static string Pod(string name, string container) => $$"""
        apiVersion: v1
        kind: Pod
        metadata: {name: {{name}}}
        spec:
          containers:
          - {{container}}
        """;

    [SkippableFact]
    public void LabUp_FileWithPods_RunsTheirContainersInThePodNamespaces()
    {
        Require();

        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("2node.yml"), "--name", _lab.Name).EnsureSuccess();

        // Inside r1's container: its hostname, and its links (they existed before it started).
        var inside = _lab.Run("lab", "exec", _lab.Name, "r1", "--", "sh", "-c", "hostname; cat /sys/class/net/eth1/operstate; ping -c1 -W2 12.12.12.2 >/dev/null && echo pinged").EnsureSuccess().Stdout;
        Assert.Equal(["r1", "up", "pinged"], inside.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var state = Cmd.Run("podman", "inspect", "--format", "{{.State.Status}}", $"mn.{_lab.Name}.r2.host").EnsureSuccess().Stdout.Trim();
        Assert.Equal("running", state);
    }

    [SkippableTheory]
    [InlineData("2node.yml")]
    [InlineData("3node.yml")]
    [InlineData("5node.yml")]
    [InlineData("3node-mlink.yml")]
    [InlineData("2node-sts.yml")]
    public void LabUp_MeshnetCniFile_ContainersRunAndEveryLinkChecks(string file)
    {
        Require();
        var path = MeshnetCniFiles.PathOf(file);

        _lab.Run("lab", "up", path, "--name", _lab.Name).EnsureSuccess();

        var pods = Meshnet.Ctl.Lab.LabFile.Read(path, _lab.Name).Pods.Keys.Order().ToList();
        var running = Cmd.Run("podman", "ps", "--filter", $"label=meshnet.networkop.co.uk/lab={_lab.Name}", "--filter", "status=running",
            "--format", "{{.Names}}").EnsureSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order();
        Assert.Equal(pods.Select(p => $"mn.{_lab.Name}.{p}.host"), running);
        var check = _lab.Run("lab", "check", _lab.Name);
        Assert.True(check.ExitCode == 0, check.Stdout);
        // The Makefile's pings, from inside each pod's container.
        foreach (var topo in Meshnet.Ctl.Lab.LabFile.Load(path, _lab.Name))
        {
            foreach (var link in topo.Spec.Links.Where(l => !string.IsNullOrEmpty(l.PeerIp)))
            {
                var ping = _lab.Run("lab", "exec", _lab.Name, topo.Name, "--", "ping", "-c1", "-W2", link.PeerIp!.Split('/')[0]);
                Assert.True(ping.ExitCode == 0, $"{topo.Name}:{link.LocalIntf} -> {link.PeerIp}: {ping.Stdout}{ping.Stderr}");
            }
        }
    }

    [SkippableFact]
    public void LabUp_InitContainerWaitingForInterfaces_CompletesAndThenTheContainerRuns()
    {
        Require();
        // As KNE's init-wait: wait until links + 1 interfaces exist. They exist before any container starts.
        var file = _lab.Write(MeshnetCniFiles.PathOf("2node.yml") is var cni ? File.ReadAllText(cni).Replace(
            "    containers:\n    - name: host",
            $"    initContainers:\n    - name: init-wait\n      image: {BusyboxImage.Name}\n      command: [\"/bin/sh\", \"-c\", \"until [ $(ls /sys/class/net | wc -l) -ge 2 ]; do sleep 0.1; done; ls /sys/class/net\"]\n    containers:\n    - name: host",
            StringComparison.Ordinal) : "");

        _lab.Run("lab", "up", file, "--name", _lab.Name).EnsureSuccess();

        Assert.Equal("exited 0", Cmd.Run("podman", "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", $"mn.{_lab.Name}.r1.init-wait").EnsureSuccess().Stdout.Trim());
        Assert.Equal("eth1\nlo", Cmd.Run("podman", "logs", $"mn.{_lab.Name}.r1.init-wait").EnsureSuccess().Stdout.Trim());
        Assert.Equal("hostr1", _lab.Run("lab", "exec", _lab.Name, "r1", "--", "sh", "-c", "echo host$(hostname)").EnsureSuccess().Stdout.Trim());
        Assert.Contains("init-wait (init)", _lab.Run("lab", "inspect", _lab.Name).EnsureSuccess().Stdout);
    }

    [SkippableFact]
    public void LabUp_ContainerFields_ReachTheContainer()
    {
        Require();
        var file = _lab.Write(Pod("p1", $$"""
            name: app
                image: {{BusyboxImage.Name}}
                command: ["/bin/sh", "-c"]
                args: ["echo $GREETING $(pwd) $(cat /proc/self/status | grep CapEff); sleep 1000"]
                env: [{name: GREETING, value: hello}]
                workingDir: /tmp
                securityContext: {privileged: true}
            """));

        _lab.Run("lab", "up", file, "--name", _lab.Name).EnsureSuccess();

        var logs = _lab.Run("lab", "logs", _lab.Name, "p1").EnsureSuccess().Stdout;
        Assert.StartsWith("hello /tmp CapEff:", logs);
        Assert.DoesNotContain("0000000000000000", logs); // privileged: capabilities kept
    }

    [SkippableFact]
    public void LabUp_Twice_LeavesRunningContainersAlone()
    {
        Require();
        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("2node.yml"), "--name", _lab.Name).EnsureSuccess();
        var id = Cmd.Run("podman", "inspect", "--format", "{{.Id}}", $"mn.{_lab.Name}.r1.host").EnsureSuccess().Stdout;

        var again = _lab.Run("lab", "up", MeshnetCniFiles.PathOf("2node.yml"), "--name", _lab.Name).EnsureSuccess().Stdout;

        Assert.Contains("0 started, 0 removed, 0 pods failed", again);
        Assert.Equal(id, Cmd.Run("podman", "inspect", "--format", "{{.Id}}", $"mn.{_lab.Name}.r1.host").EnsureSuccess().Stdout);
    }

    [SkippableFact]
    public void LabExec_WithContainerFlag_RunsInThatContainer()
    {
        Require();
        var file = _lab.Write(Pod("p1", $$"""
            {name: first, image: {{BusyboxImage.Name}}, command: [sleep, "1000"], env: [{name: WHO, value: first}]}
              - {name: second, image: {{BusyboxImage.Name}}, command: [sleep, "1000"], env: [{name: WHO, value: second}]}
            """));
        _lab.Run("lab", "up", file, "--name", _lab.Name).EnsureSuccess();

        Assert.Equal("first", _lab.Run("lab", "exec", _lab.Name, "p1", "--", "sh", "-c", "echo $WHO").EnsureSuccess().Stdout.Trim());
        Assert.Equal("second", _lab.Run("lab", "exec", _lab.Name, "p1", "-c", "second", "--", "sh", "-c", "echo $WHO").EnsureSuccess().Stdout.Trim());
        Assert.Contains("has no container third", _lab.Run("lab", "exec", _lab.Name, "p1", "-c", "third", "--", "true").Stderr);
    }

    [SkippableFact]
    public void LabExec_InteractiveWithTerminal_GivesTheContainerCommandATerminal()
    {
        Require();
        Skip.IfNot(Cmd.Exists("script"), "needs script(1) from bsdutils to provide a terminal");
        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("2node.yml"), "--name", _lab.Name).EnsureSuccess();
        var line = string.Join(' ', _lab.CommandLine("lab", "exec", "-it", _lab.Name, "r1", "--", "sh", "-c", "tty; read x; echo got $x").Select(a => $"'{a}'"));

        var result = Cmd.Run("script", ["-qec", line, "/dev/null"], stdin: "typed\n", env: _lab.Environment());

        Assert.Contains("/dev/pts/", result.Stdout);
        Assert.Contains("got typed", result.Stdout);
    }

    [SkippableFact]
    public void LabInspect_WithContainers_ShowsEachContainersState()
    {
        Require();
        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("2node.yml"), "--name", _lab.Name).EnsureSuccess();
        Cmd.Run("podman", "stop", "-t", "0", $"mn.{_lab.Name}.r2.host").EnsureSuccess();

        var rows = _lab.Run("lab", "inspect", _lab.Name).EnsureSuccess().Stdout.Split('\n');

        Assert.Contains(rows, r => Regex.IsMatch(r, $@"^r1\s+host\s+{Regex.Escape(BusyboxImage.Name)}\s+running\s"));
        Assert.Contains(rows, r => Regex.IsMatch(r, $@"^r2\s+host\s+{Regex.Escape(BusyboxImage.Name)}\s+exited\s"));
    }

    [SkippableFact]
    public void LabDown_WithContainers_RemovesThem()
    {
        Require();
        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("2node-sts.yml"), "--name", _lab.Name).EnsureSuccess();

        _lab.Run("lab", "down", _lab.Name).EnsureSuccess();

        Assert.Equal("", Cmd.Run("podman", "ps", "-a", "-q", "--filter", $"label=meshnet.networkop.co.uk/lab={_lab.Name}").EnsureSuccess().Stdout.Trim());
    }

    [SkippableFact]
    public void LabUp_PodRemovedFromFile_RemovesItsContainers()
    {
        Require();
        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("3node.yml"), "--name", _lab.Name).EnsureSuccess();

        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("2node.yml"), "--name", _lab.Name).EnsureSuccess();

        Assert.NotEqual(0, Cmd.Run("podman", "container", "exists", $"mn.{_lab.Name}.r3.host").ExitCode);
    }

    [SkippableFact]
    public void LabUp_ImageMissing_FailsNamingPodContainerAndImage()
    {
        Require();
        var file = _lab.Write(Pod("p1", "{name: app, image: \"localhost/meshnet-no-such-image:1\", imagePullPolicy: Never}"));

        var result = _lab.Run("lab", "up", file, "--name", _lab.Name);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("p1: container app (localhost/meshnet-no-such-image:1) did not start", result.Stdout);
    }

    [SkippableFact]
    public void LabUp_NoEngine_RunsWithoutContainersAndSaysSoOnce()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var lab = new LabCli(containerEngine: "none");

        var up = lab.Run("lab", "up", MeshnetCniFiles.PathOf("3node.yml"), "--name", lab.Name).EnsureSuccess().Stdout;

        Assert.Single(up.Split('\n'), l => l.Contains("no container engine", StringComparison.Ordinal));
        Assert.Equal(0, lab.Run("lab", "check", lab.Name).ExitCode);
    }

    [SkippableFact]
    public void LabUpAndDown_EngineFails_SayWhyAndStillManageTheNamespaces()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var lab = new LabCli(containerEngine: "/bin/false");

        var up = lab.Run("lab", "up", MeshnetCniFiles.PathOf("2node.yml"), "--name", lab.Name);
        var check = lab.Run("lab", "check", lab.Name);
        var down = lab.Run("lab", "down", lab.Name);

        Assert.Equal(1, up.ExitCode);
        Assert.Contains("containers not started: podman ps", up.Stdout);
        Assert.Equal(0, check.ExitCode);
        Assert.Equal(0, down.ExitCode);
        Assert.Contains("could not remove containers", down.Stdout);
        Assert.DoesNotContain(Cmd.Run("ip", "netns", "list").Stdout.Split('\n'), l => l.StartsWith($"mn.{lab.Name}.", StringComparison.Ordinal));
    }

    public void Dispose() => _lab.Dispose();
}

/// <summary>The tests' image: Debian's static busybox in an otherwise empty root, made with <c>podman import</c>.</summary>
internal static class BusyboxImage
{
    public const string Name = "localhost/meshnet-busybox:1";
    private static readonly Lock Gate = new();

    public static void Ensure()
    {
        lock (Gate)
        {
            if (Cmd.Run("podman", "image", "exists", Name).ExitCode == 0)
            {
                return;
            }

            var root = Directory.CreateTempSubdirectory("meshnet-busybox-").FullName;
            try
            {
                Directory.CreateDirectory(Path.Combine(root, "bin"));
                Directory.CreateDirectory(Path.Combine(root, "tmp"));
                File.Copy("/bin/busybox", Path.Combine(root, "bin", "busybox"));
                // One relative link per applet (busybox --install would link to the host's resolved path, /usr/bin).
                foreach (var applet in Cmd.Run("/bin/busybox", "--list").EnsureSuccess().Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
                {
                    if (applet != "busybox")
                    {
                        File.CreateSymbolicLink(Path.Combine(root, "bin", applet), "busybox");
                    }
                }

                var tar = Path.Combine(root, "..", Path.GetFileName(root) + ".tar");
                Cmd.Run("tar", "-C", root, "-cf", tar, ".").EnsureSuccess();
                Cmd.Run("podman", "import", "--change", "CMD [\"/bin/sh\"]", tar, Name).EnsureSuccess();
                File.Delete(tar);
            }
            finally
            {
                Directory.Delete(root, recursive: true);
            }
        }
    }
}
