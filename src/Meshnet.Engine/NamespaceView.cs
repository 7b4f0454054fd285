using Meshnet.Netlink;

namespace Meshnet.Engine;

/// <summary>
/// A network namespace as the engine sees it during one convergence pass: an open handle plus one dump of its
/// links and addresses, so checking N links costs two netlink dumps per namespace, not N round trips.
/// </summary>
internal sealed class NamespaceView : IDisposable
{
    private readonly NetNs? _ns;
    private Dictionary<string, LinkInfo> _links = new(StringComparer.Ordinal);
    private ILookup<int, IpPrefix> _addresses = Array.Empty<AddrInfo>().ToLookup(a => a.Index, a => a.Address);

    private NamespaceView(string path, NetNs? ns, NetlinkHandle handle)
    {
        Path = path;
        _ns = ns;
        Handle = handle;
    }

    /// <summary>The namespace's path, or <see cref="HostPath"/> for the namespace this process runs in.</summary>
    public string Path { get; }

    public const string HostPath = "";

    public NetlinkHandle Handle { get; }

    /// <summary>The namespace object (for placing devices into it); null for the host namespace.</summary>
    public NetNs? Namespace => _ns;

    public static NamespaceView Open(string path)
    {
        if (path == HostPath)
        {
            return new NamespaceView(path, null, NetlinkHandle.Open());
        }

        var ns = NetNs.Open(path);
        try
        {
            return new NamespaceView(path, ns, NetlinkHandle.Open(ns));
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>Re-reads links and addresses (one dump each).</summary>
    public void Refresh()
    {
        _links = Handle.LinkList().ToDictionary(l => l.Name, StringComparer.Ordinal);
        _addresses = Handle.AddrList().ToLookup(a => a.Index, a => a.Address);
    }

    public LinkInfo? Link(string name) => _links.GetValueOrDefault(name);

    public IEnumerable<IpPrefix> Addresses(int index) => _addresses[index];

    /// <summary>The link holding <paramref name="address"/>, e.g. the underlay device of the node's address.</summary>
    public LinkInfo? LinkWithAddress(System.Net.IPAddress address) =>
        _addresses.FirstOrDefault(g => g.Any(p => p.Address.Equals(address))) is { } g
            ? _links.Values.FirstOrDefault(l => l.Index == g.Key)
            : null;

    public void Dispose()
    {
        Handle.Dispose();
        _ns?.Dispose();
    }
}
