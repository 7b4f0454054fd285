using System.Text.Json.Nodes;

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

    /// <summary>
    /// The node's primary CNI config as the cluster's network plugin leaves it (ptp + host-local owning eth0), which the
    /// daemon merges meshnet into.
    /// </summary>
    public void WritePrimaryConfig(string cniVersion)
    {
        var conf = new JsonObject
        {
            ["cniVersion"] = cniVersion,
            ["name"] = "podnet",
            ["plugins"] = new JsonArray(new JsonObject
            {
                ["type"] = "ptp",
                ["ipMasq"] = false,
                ["ipam"] = new JsonObject
                {
                    ["type"] = "host-local",
                    ["subnet"] = "10.250.0.0/24",
                    ["dataDir"] = IpamDir,
                },
            }),
        };
        File.WriteAllText(Path.Combine(ConfDir, "10-podnet.conflist"), conf.ToJsonString());
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
