using System.Text.Json.Nodes;
using Meshnet.Testing;
using Xunit;

namespace Meshnet.Daemon.Tests.Integration;

public sealed class ConflistMergeTests
{
    [SkippableFact]
    public async Task Start_WithPrimaryConfig_InstallsPluginAndChainsMeshnetLast()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync("0.4.0");

        var merged = node.Runtime.ConfList;

        Assert.Equal("0.4.0", (string?)merged["cniVersion"]);
        var types = merged["plugins"]!.AsArray().Select(p => (string?)p!["type"]).ToList();
        Assert.Equal(["ptp", "meshnet"], types);
        Assert.True(File.Exists(Path.Combine(node.Dirs.BinDir, "meshnet")));
        Assert.Equal(node.Dirs.Socket, (string?)merged["plugins"]![1]!["daemonSocket"]);
    }

    [SkippableFact]
    public async Task PrimaryConfigChanges_ConflistIsReMergedOnce()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        await using var node = await NodeHarness.StartAsync();
        var primary = Path.Combine(node.Dirs.ConfDir, "10-podnet.conflist");
        var conf = JsonNode.Parse(File.ReadAllText(primary))!;
        conf["plugins"]!.AsArray().Add(new JsonObject { ["type"] = "portmap", ["capabilities"] = new JsonObject { ["portMappings"] = true } });

        File.WriteAllText(primary, conf.ToJsonString());

        await NodeHarness.WaitForAsync(
            () => node.Runtime.ConfList["plugins"]!.AsArray().Select(p => (string?)p!["type"]).SequenceEqual(["ptp", "portmap", "meshnet"]),
            "the conflist is re-merged with portmap before meshnet");
    }
}
