namespace Meshnet.Netlink.Tests;

public sealed class BatchTests
{
    [SkippableFact]
    public void Execute_1500VethPairsThenAddresses_AllSucceedAndExist()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        using var b = new ScratchNamespace();
        const int pairs = 1500;
        var links = a.Nl.Batch();
        for (var i = 0; i < pairs; i++)
        {
            links.LinkAdd(new Veth { Name = $"v{i}", PeerName = $"p{i}", PeerNamespace = b.Ns, Mtu = 9000, Up = true, PeerUp = true });
        }

        Assert.All(links.Execute(), Assert.Null);

        var local = a.Nl.LinkList().Where(l => l.Kind == "veth").ToDictionary(l => l.Name);
        var remote = b.Nl.LinkList().Where(l => l.Kind == "veth").ToDictionary(l => l.Name);
        var aAddresses = a.Nl.Batch();
        var bAddresses = b.Nl.Batch();
        for (var i = 0; i < pairs; i++)
        {
            aAddresses.AddrAdd(local[$"v{i}"].Index, new IpPrefix(new System.Net.IPAddress([10, 20, (byte)(i / 64), (byte)(i % 64 * 4 + 1)]), 30));
            bAddresses.AddrAdd(remote[$"p{i}"].Index, new IpPrefix(new System.Net.IPAddress([10, 20, (byte)(i / 64), (byte)(i % 64 * 4 + 2)]), 30));
        }

        Assert.All(aAddresses.Execute(), Assert.Null);
        Assert.All(bAddresses.Execute(), Assert.Null);
        Assert.Equal(pairs, local.Count);
        Assert.All(remote.Values, l => Assert.True(l.IsUp && l.Mtu == 9000));
        Assert.Equal(pairs, b.Nl.AddrList().Count(x => x.Address.Address.ToString().StartsWith("10.20.", StringComparison.Ordinal)));
    }

    [SkippableFact]
    public void Execute_OneFailingRequestInTheMiddle_OthersStillApplied()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        var batch = a.Nl.Batch()
            .LinkAdd(new Veth { Name = "x0", PeerName = "y0" })
            .LinkAdd(new Veth { Name = "x0", PeerName = "y1" })
            .LinkAdd(new Veth { Name = "x2", PeerName = "y2" });

        var results = batch.Execute();

        Assert.Null(results[0]);
        Assert.Equal(17, results[1]!.Errno);
        Assert.Null(results[2]);
        Assert.True(a.Nl.TryLinkByName("x2", out _));
    }

    [SkippableFact]
    public void Execute_DeleteAndSetUp_AppliedInOrder()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        a.Nl.LinkAdd(new Veth { Name = "s0", PeerName = "s1" });
        a.Nl.LinkAdd(new Veth { Name = "t0", PeerName = "t1" });

        var results = a.Nl.Batch().LinkSetUp(a.Nl.LinkByName("s0").Index).LinkDel(a.Nl.LinkByName("t0").Index).LinkDel(999999).Execute();

        Assert.Equal([true, true, false], results.Select(r => r is null));
        Assert.IsType<LinkNotFoundException>(results[2]);
        Assert.True(a.Nl.LinkByName("s0").IsUp);
        Assert.False(a.Nl.TryLinkByName("t0", out _));
    }

    [SkippableFact]
    public void Execute_SetGroupThenDeleteGroup_RemovesExactlyTheGroupedDevicesAndTheirPeers()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        using var b = new ScratchNamespace();
        var add = a.Nl.Batch();
        foreach (var i in new[] { 0, 1, 2 })
        {
            add.LinkAdd(new Veth { Name = $"g{i}", PeerName = $"h{i}", PeerNamespace = b.Ns });
        }

        Assert.All(add.Execute(), Assert.Null);

        var results = a.Nl.Batch()
            .LinkSetGroup(a.Nl.LinkByName("g0").Index, 0x6d000042)
            .LinkSetGroup(a.Nl.LinkByName("g2").Index, 0x6d000042)
            .LinkDelGroup(0x6d000042)
            .Execute();

        Assert.All(results, Assert.Null);
        Assert.Equal(["g1"], a.Nl.LinkList().Where(l => l.Kind == "veth").Select(l => l.Name));
        Assert.Equal(["h1"], b.Nl.LinkList().Where(l => l.Kind == "veth").Select(l => l.Name));
    }

    [SkippableFact]
    public void Execute_DeleteOfAnEmptyGroup_IsLinkNotFound()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();

        var results = a.Nl.Batch().LinkDelGroup(0x6d000043).Execute();

        Assert.IsType<LinkNotFoundException>(Assert.Single(results));
    }
}
