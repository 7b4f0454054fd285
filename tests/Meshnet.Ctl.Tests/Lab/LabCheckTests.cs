using Meshnet.Testing;
using Xunit;

namespace Meshnet.Ctl.Tests.Lab;

/// <summary>The meshnet-cni end-to-end file shapes come up unchanged, and <c>lab check</c> proves (or fails) every link.</summary>
public sealed class LabCheckTests : IDisposable
{
    private readonly LabCli _lab = new();

    [SkippableTheory]
    [InlineData("2node.yml")]
    [InlineData("3node.yml")]
    [InlineData("5node.yml")]
    [InlineData("3node-mlink.yml")]
    [InlineData("2node-sts.yml")]
    public void LabUp_MeshnetCniFile_EveryLinkChecksAndEveryAddressAnswers(string file)
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var path = MeshnetCniFiles.PathOf(file);
        _lab.Run("lab", "up", path, "--name", _lab.Name).EnsureSuccess();

        var check = _lab.Run("lab", "check", _lab.Name);

        Assert.True(check.ExitCode == 0, check.Stdout + check.Stderr);
        Assert.Contains(" 0 failed", check.Stdout);
        // What the original's Makefile does: ping every peer address from inside the pods.
        foreach (var topo in Meshnet.Ctl.Lab.LabFile.Load(path, _lab.Name))
        {
            foreach (var link in topo.Spec.Links.Where(l => !string.IsNullOrEmpty(l.PeerIp)))
            {
                Assert.True(Cmd.Ping(_lab.Ns(topo.Name), link.PeerIp!.Split('/')[0]), $"{topo.Name}:{link.LocalIntf} -> {link.PeerIp}");
            }
        }
    }

    [SkippableFact]
    public void LabCheck_UnaddressedLinks_AreProvedWithProbeFrames()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("3node-mlink.yml"), "--name", _lab.Name).EnsureSuccess();

        var rows = _lab.Run("lab", "check", _lab.Name).EnsureSuccess().Stdout.Split('\n');

        Assert.Contains(rows, r => r.Contains("r2:eth4 <-> r3:eth2", StringComparison.Ordinal) && r.Contains(" frame ", StringComparison.Ordinal) && r.EndsWith("ok", StringComparison.Ordinal));
        Assert.Contains(rows, r => r.Contains("r1:eth1 <-> r2:eth1", StringComparison.Ordinal) && r.Contains(" icmp ", StringComparison.Ordinal) && r.EndsWith("ok", StringComparison.Ordinal));
    }

    [SkippableTheory]
    [InlineData("r2", "eth1", "r1:eth1 <-> r2:eth1")] // addressed: ICMP
    [InlineData("r3", "eth2", "r2:eth4 <-> r3:eth2")] // unaddressed: probe frame
    public void LabCheck_OneEndDown_FailsNamingTheLink(string pod, string intf, string link)
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        _lab.Run("lab", "up", MeshnetCniFiles.PathOf("3node-mlink.yml"), "--name", _lab.Name).EnsureSuccess();
        Cmd.Run("ip", "-n", _lab.Ns(pod), "link", "set", intf, "down").EnsureSuccess();

        var check = _lab.Run("lab", "check", _lab.Name, "--timeout", "0.5");

        Assert.Equal(1, check.ExitCode);
        var failed = check.Stdout.Split('\n').Where(r => r.Contains("FAILED", StringComparison.Ordinal)).ToList();
        Assert.Contains(link, Assert.Single(failed));
    }

    [SkippableFact]
    public void LabCheck_MacvlanLink_IsListedButNotProbed()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var node = "mn-test-node-" + Guid.NewGuid().ToString("N")[..6];
        Cmd.Run("ip", "netns", "add", node).EnsureSuccess();
        try
        {
            Cmd.Run("ip", "-n", node, "link", "add", "uplink0", "type", "veth", "peer", "name", "world0").EnsureSuccess();
            Cmd.Run("ip", "-n", node, "link", "set", "uplink0", "up").EnsureSuccess();
            _lab.Run("lab", "up", MeshnetCniFiles.PathOf("macvlan.yml"), "--name", _lab.Name, "--node-netns", node).EnsureSuccess();

            var check = _lab.Run("lab", "check", _lab.Name).EnsureSuccess().Stdout;

            Assert.Contains("r1:eth2 <-> host:uplink0", check);
            Assert.Contains("skipped: far end is outside the lab", check);
            Assert.Contains("1 links ok, 0 failed, 1 not checked", check);
        }
        finally
        {
            _lab.Run("lab", "down", _lab.Name);
            Cmd.Run("ip", "netns", "del", node);
        }
    }

    public void Dispose() => _lab.Dispose();
}
