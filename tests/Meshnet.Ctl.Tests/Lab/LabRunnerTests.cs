using Meshnet.Ctl.Lab;
using Meshnet.Model;
using Meshnet.Netlink;
using Meshnet.Testing;
using Xunit;

namespace Meshnet.Ctl.Tests.Lab;

public sealed class LabRunnerTests
{
    private static string Triangle => new TopologyYaml()
        .Link("r1", "eth1", "r2", "eth1", "10.0.12.1/24", "10.0.12.2/24")
        .Link("r2", "eth2", "r3", "eth1", "10.0.23.1/24", "10.0.23.2/24")
        .Link("r3", "eth2", "r1", "eth2", "10.0.31.1/24", "10.0.31.2/24")
        .ToString();

    [SkippableFact]
    public async Task UpAsync_Triangle_PingsAcrossEveryLink()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var lab = await LabScratch.CreateAsync();

        var result = await lab.UpAsync(Triangle);

        Assert.Equal((3, 3, 0, 0), (result.Links, result.Created, result.Failed, result.Pending));
        Assert.True(Cmd.Ping(lab.Ns("r1"), "10.0.12.2"));
        Assert.True(Cmd.Ping(lab.Ns("r2"), "10.0.23.2"));
        Assert.True(Cmd.Ping(lab.Ns("r3"), "10.0.31.2"));
        Assert.True(Cmd.Ping(lab.Ns("r2"), "10.0.12.1"));
    }

    [SkippableFact]
    public async Task UpAsync_Twice_RecreatesNothing()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var lab = await LabScratch.CreateAsync();
        await lab.UpAsync(Triangle);
        var before = Cmd.Run("ip", "-n", lab.Ns("r1"), "-o", "link", "show", "eth1").EnsureSuccess().Stdout;

        var again = await lab.UpAsync(Triangle);

        Assert.Equal((0, 0, 0), (again.Created, again.Repaired, again.Failed));
        Assert.Equal(before, Cmd.Run("ip", "-n", lab.Ns("r1"), "-o", "link", "show", "eth1").EnsureSuccess().Stdout);
    }

    [SkippableFact]
    public async Task UpAsync_EditedFile_AddsRemovesAndChangesLinks()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var lab = await LabScratch.CreateAsync();
        await lab.UpAsync(new TopologyYaml()
            .Link("a", "eth1", "b", "eth1", "10.1.0.1/24", "10.1.0.2/24", uid: 1)
            .Link("a", "eth2", "b", "eth2", "10.2.0.1/24", "10.2.0.2/24", uid: 2).ToString());

        // uid 1 changes addresses and MTU, uid 2 goes away, uid 3 is new.
        var result = await lab.UpAsync(new TopologyYaml()
            .Link("a", "eth1", "b", "eth1", "10.9.0.1/24", "10.9.0.2/24", mtu: 9000, uid: 1)
            .Link("a", "eth3", "b", "eth3", "10.3.0.1/24", "10.3.0.2/24", uid: 3).ToString());

        Assert.Equal(0, result.Failed);
        Assert.Contains("mtu 9000", Cmd.Run("ip", "-n", lab.Ns("b"), "link", "show", "eth1").Stdout);
        Assert.True(Cmd.Ping(lab.Ns("a"), "10.9.0.2"));
        Assert.DoesNotContain("10.1.0.1", Cmd.Run("ip", "-n", lab.Ns("a"), "addr", "show", "eth1").Stdout);
        Assert.NotEqual(0, Cmd.Run("ip", "-n", lab.Ns("a"), "link", "show", "eth2").ExitCode);
        Assert.NotEqual(0, Cmd.Run("ip", "-n", lab.Ns("b"), "link", "show", "eth2").ExitCode);
        Assert.True(Cmd.Ping(lab.Ns("b"), "10.3.0.1"));
    }

    [SkippableFact]
    public async Task UpAsync_PodRemovedFromFile_DeletesItsNamespaceAndRow()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var lab = await LabScratch.CreateAsync();
        await lab.UpAsync(Triangle);

        await lab.UpAsync(new TopologyYaml().Link("r1", "eth1", "r2", "eth1", "10.0.12.1/24", "10.0.12.2/24").ToString());

        Assert.Equal([lab.Ns("r1"), lab.Ns("r2")], lab.Namespaces().Order());
        Assert.Null(await lab.Store.GetAsync(new PodKey(lab.Name, "r3")));
        Assert.NotEqual(0, Cmd.Run("ip", "-n", lab.Ns("r1"), "link", "show", "eth2").ExitCode);
    }

    [SkippableFact]
    public async Task UpAsync_HalfBuiltLink_IsRepaired()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var lab = await LabScratch.CreateAsync();
        await lab.UpAsync(Triangle);
        Cmd.Run("ip", "-n", lab.Ns("r1"), "link", "set", "eth1", "down").EnsureSuccess();
        Cmd.Run("ip", "-n", lab.Ns("r2"), "addr", "flush", "dev", "eth1").EnsureSuccess();
        Cmd.Run("ip", "-n", lab.Ns("r3"), "link", "del", "eth2").EnsureSuccess(); // takes r1:eth2 with it

        var result = await lab.UpAsync(Triangle);

        Assert.Equal((1, 1, 0), (result.Created, result.Repaired, result.Failed));
        Assert.True(Cmd.Ping(lab.Ns("r1"), "10.0.12.2"));
        Assert.True(Cmd.Ping(lab.Ns("r1"), "10.0.31.1"));
    }

    [SkippableFact]
    public async Task UpAsync_PodLinkedToItself_PingsBetweenItsOwnInterfaces()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var lab = await LabScratch.CreateAsync();

        var result = await lab.UpAsync(new TopologyYaml().Link("solo", "eth1", "solo", "eth2", "10.5.0.1/24", "10.5.0.2/24").ToString());

        Assert.Equal((1, 0), (result.Created, result.Failed));
        var eth1 = Cmd.Run("ip", "-n", lab.Ns("solo"), "-o", "link", "show", "eth1").EnsureSuccess().Stdout;
        Assert.Contains("eth1@eth2", eth1);
    }

    [SkippableFact]
    public async Task UpAsync_PeerPodMissing_LinkStaysPendingWithoutError()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var lab = await LabScratch.CreateAsync();
        var yaml = "apiVersion: networkop.co.uk/v1beta1\nkind: Topology\nmetadata: {name: lonely}\nspec:\n  links:\n"
                   + "  - {uid: 7, peer_pod: ghost, local_intf: eth1, peer_intf: eth1}\n";

        var result = await lab.UpAsync(yaml);

        Assert.Equal((0, 1, 0), (result.Links, result.Pending, result.Failed));
        var status = (await lab.Store.GetAsync(new PodKey(lab.Name, "lonely")))!.Status;
        Assert.Equal(LinkState.Pending, Assert.Single(status.Links).State);
        Assert.True(string.IsNullOrEmpty(status.PlumbingError));
    }

    [SkippableFact]
    public async Task UpAsync_MacvlanLink_ReachesTheNodeInterface()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var node = "mn-test-node-" + Guid.NewGuid().ToString("N")[..6];
        Cmd.Run("ip", "netns", "add", node).EnsureSuccess();
        try
        {
            // The node's "uplink" is one end of a veth; the other end stands for the outside world.
            Cmd.Run("ip", "-n", node, "link", "add", "uplink0", "type", "veth", "peer", "name", "world0").EnsureSuccess();
            Cmd.Run("ip", "-n", node, "link", "set", "uplink0", "up").EnsureSuccess();
            Cmd.Run("ip", "-n", node, "link", "set", "world0", "up").EnsureSuccess();
            Cmd.Run("ip", "-n", node, "addr", "add", "192.168.77.1/24", "dev", "world0").EnsureSuccess();
            await using var lab = await LabScratch.CreateAsync();

            var result = await lab.UpAsync(new TopologyYaml().Macvlan("edge", "ext0", "uplink0", "192.168.77.10/24").ToString(), NetNs.PathOf(node));

            Assert.Equal((1, 0), (result.Created, result.Failed));
            Assert.Contains("macvlan", Cmd.Run("ip", "-d", "-n", lab.Ns("edge"), "link", "show", "ext0").Stdout);
            Assert.True(Cmd.Ping(lab.Ns("edge"), "192.168.77.1"));
        }
        finally
        {
            Cmd.Run("ip", "netns", "del", node);
        }
    }

    [SkippableFact]
    public async Task DownAsync_AfterUp_LeavesNoNamespaceLinkOrRow()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var lab = await LabScratch.CreateAsync();
        await lab.UpAsync(Triangle);

        await lab.Runner().DownAsync(lab.Name, CancellationToken.None);

        Assert.Empty(lab.Namespaces());
        Assert.Empty((await lab.Store.ListAsync(lab.Name)).Items);
    }

    [SkippableTheory]
    [InlineData("pair.yaml", 1)]
    [InlineData("triangle.yaml", 3)]
    [InlineData("quincunx.yaml", 8)]
    [InlineData("parallel.yaml", 12)]
    public async Task UpFileAsync_Example_PlumbsAndPingsEveryLink(string example, int links)
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var lab = await LabScratch.CreateAsync();
        var path = Path.Combine(Examples.Dir, example);

        var result = await lab.UpFileAsync(path);

        Assert.Equal((links, links, 0), (result.Links, result.Created, result.Failed));
        foreach (var topo in LabFile.Load(path, lab.Name))
        {
            foreach (var link in topo.Spec.Links.Where(l => !string.IsNullOrEmpty(l.PeerIp)))
            {
                Assert.True(Cmd.Ping(lab.Ns(topo.Name), link.PeerIp!.Split('/')[0]), $"{topo.Name}:{link.LocalIntf} -> {link.PeerIp}");
            }
        }
    }
}
