namespace Meshnet.Store.Tests;

/// <summary>
/// The behaviour every <see cref="IWireStore"/> must have (SQLite rows, Kubernetes GWireKObjs). A store's test class
/// derives from this and supplies an empty store whose namespaces <c>lab1</c> and <c>lab2</c> exist.
/// </summary>
public abstract class WireStoreContract
{
    protected abstract IWireStore Wires { get; }

    protected static WireRecord Record(string node = "n1", string ns = "lab1", int uid = 1, long localId = 7, long peerWireId = 0) =>
        new(node, ns, uid, localId, "r1", "/var/run/netns/mn.lab1.r1", "10.0.0.1/30", $"eth{uid}", "n2", "172.30.0.12", peerWireId);

    [Fact]
    public async Task ListAsync_Empty_ReturnsNothing()
    {
        Assert.Empty(await Wires.ListAsync("n1"));
    }

    [Fact]
    public async Task PutAsync_New_IsListedWithEveryField()
    {
        var record = Record(peerWireId: 42);

        await Wires.PutAsync([record]);

        Assert.Equal([record], await Wires.ListAsync("n1"));
    }

    [Fact]
    public async Task PutAsync_SameLinkAgain_ReplacesTheRecord()
    {
        await Wires.PutAsync([Record()]);

        await Wires.PutAsync([Record(peerWireId: 9)]);

        Assert.Equal([Record(peerWireId: 9)], await Wires.ListAsync("n1"));
    }

    [Fact]
    public async Task ListAsync_RecordsOfSeveralNodesAndNamespaces_ReturnsOnlyTheNodesOrdered()
    {
        await Wires.PutAsync([Record(ns: "lab2", uid: 1), Record(uid: 3), Record(uid: 2), Record(node: "n2", uid: 4)]);

        var listed = await Wires.ListAsync("n1");

        Assert.Equal([("lab1", 2), ("lab1", 3), ("lab2", 1)], listed.Select(r => (r.Namespace, r.Uid)));
    }

    [Fact]
    public async Task ListAsync_NodeNameIsAPrefixOfAnother_KeepsThemApart()
    {
        await Wires.PutAsync([Record(node: "n1"), Record(node: "n10", uid: 2)]);

        Assert.Equal([1], (await Wires.ListAsync("n1")).Select(r => r.Uid));
    }

    [Fact]
    public async Task DeleteAsync_Existing_RemovesOnlyThoseLinks()
    {
        await Wires.PutAsync([Record(uid: 1), Record(uid: 2), Record(node: "n2", uid: 1)]);

        var deleted = await Wires.DeleteAsync("n1", [new WireKey("lab1", 1)]);

        Assert.Equal(1, deleted);
        Assert.Equal([2], (await Wires.ListAsync("n1")).Select(r => r.Uid));
        Assert.Single(await Wires.ListAsync("n2"));
    }

    [Fact]
    public async Task DeleteAsync_Missing_ReturnsZero()
    {
        await Wires.PutAsync([Record(uid: 1)]);

        Assert.Equal(0, await Wires.DeleteAsync("n1", [new WireKey("lab1", 5), new WireKey("lab2", 1)]));
        Assert.Single(await Wires.ListAsync("n1"));
    }

    [Fact]
    public async Task DeleteAsync_LastRecord_ThenPutAgain_Works()
    {
        await Wires.PutAsync([Record()]);
        await Wires.DeleteAsync("n1", [new WireKey("lab1", 1)]);

        await Wires.PutAsync([Record(localId: 8)]);

        Assert.Equal(8, Assert.Single(await Wires.ListAsync("n1")).LocalId);
    }
}
