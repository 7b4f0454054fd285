using Meshnet.Ctl.Lab;
using Meshnet.Engine;
using Meshnet.Model;
using Meshnet.Netlink;
using Meshnet.Store;
using Meshnet.Store.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Meshnet.Ctl.Tests.Lab;

/// <summary>
/// A uniquely named lab on a throwaway store file. Disposing it runs <c>lab down</c>, so every namespace a test
/// created goes away even when the test fails.
/// </summary>
internal sealed class LabScratch : IAsyncDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("meshnet-lab-").FullName;

    private LabScratch(ITopologyStore store)
    {
        Store = store;
        Name = "t" + Guid.NewGuid().ToString("N")[..8];
    }

    public string Name { get; }

    public ITopologyStore Store { get; }

    public string StorePath => Path.Combine(_dir, "store.db");

    public StringWriter Output { get; } = new();

    public static async Task<LabScratch> CreateAsync()
    {
        var dir = Directory.CreateTempSubdirectory("meshnet-lab-").FullName;
        var scratch = new LabScratch(await SqliteTopologyStore.OpenAsync(Path.Combine(dir, "store.db")));
        return scratch;
    }

    public LabRunner Runner(string nodeNetNs = "") =>
        new(Store, new LinkEngine(NullLogger<LinkEngine>.Instance), Output, new LabOptions(NodeNetNs: nodeNetNs));

    public Task<LabUpResult> UpAsync(string yaml, string nodeNetNs = "") =>
        Runner(nodeNetNs).UpAsync(Name, Load(yaml), CancellationToken.None);

    public Task<LabUpResult> UpFileAsync(string path) =>
        Runner().UpAsync(Name, LabFile.Load(path, Name), CancellationToken.None);

    public IReadOnlyList<Topology> Load(string yaml)
    {
        var file = Path.Combine(_dir, $"lab-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(file, yaml);
        return LabFile.Load(file, Name);
    }

    public string Ns(string pod) => LabNames.NetNsName(Name, pod);

    public IReadOnlyList<string> Namespaces() => NetNs.List().Where(n => n.StartsWith(LabNames.NetNsPrefix(Name), StringComparison.Ordinal)).ToList();

    public async ValueTask DisposeAsync()
    {
        await Runner().DownAsync(Name, CancellationToken.None);
        await Store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}
