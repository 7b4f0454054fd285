namespace Meshnet.Daemon.Tests.Integration;

/// <summary>A node's files, all under one temp directory: store, socket, state, CNI config and bin dirs.</summary>
internal sealed class NodeDirs : IDisposable
{
    public NodeDirs()
    {
        Root = Directory.CreateTempSubdirectory("meshnet-node-").FullName;
        Directory.CreateDirectory(ConfDir);
        Directory.CreateDirectory(BinDir);
        Directory.CreateDirectory(IpamDir);
    }

    public string Root { get; }

    public string Store => Path.Combine(Root, "store.db");

    public string Socket => Path.Combine(Root, "run", "meshnet.sock");

    public string State => Path.Combine(Root, "run");

    public string ConfDir => Path.Combine(Root, "net.d");

    public string BinDir => Path.Combine(Root, "bin");

    public string IpamDir => Path.Combine(Root, "ipam");

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
