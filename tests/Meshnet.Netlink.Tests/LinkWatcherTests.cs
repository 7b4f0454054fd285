namespace Meshnet.Netlink.Tests;

public sealed class LinkWatcherTests
{
    [SkippableFact]
    public async Task ReadAllAsync_LinkAddedThenDeleted_SeesNewLinkThenDelLink()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        using var watcher = LinkWatcher.Open(a.Ns);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));

        a.Nl.LinkAdd(new Veth { Name = "w0", PeerName = "w1" });
        a.Nl.LinkDel("w0");

        var seen = new List<LinkEventType>();
        await foreach (var e in watcher.ReadAllAsync(timeout.Token))
        {
            if (e.Link.Name == "w0")
            {
                seen.Add(e.Type);
                if (e.Type == LinkEventType.DelLink)
                {
                    break;
                }
            }
        }

        Assert.Equal(LinkEventType.NewLink, seen[0]);
        Assert.Equal(LinkEventType.DelLink, seen[^1]);
    }

    [SkippableFact]
    public async Task Dispose_WhileReading_EndsTheStream()
    {
        ScratchNamespace.RequireRoot();
        using var a = new ScratchNamespace();
        var watcher = LinkWatcher.Open(a.Ns);
        var reader = Task.Run(async () =>
        {
            await foreach (var unused in watcher.ReadAllAsync())
            {
            }
        });

        watcher.Dispose();

        Assert.Same(reader, await Task.WhenAny(reader, Task.Delay(TimeSpan.FromSeconds(10))));
    }
}
