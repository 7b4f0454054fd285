using System.Text.Json.Nodes;
using Meshnet.Daemon.CniConfig;
using Xunit;

namespace Meshnet.Daemon.Tests.CniConfig;

public sealed class CniConfigMergerTests : IDisposable
{
    private const string Conflist = """
        {"cniVersion":"0.4.0","name":"kindnet","disableCheck":true,"plugins":[{"type":"ptp","ipam":{"type":"host-local"}},{"type":"portmap","capabilities":{"portMappings":true}}]}
        """;

    private const string SingleConf = """
        {"cniVersion":"0.3.1","name":"bridge-net","type":"bridge","bridge":"cni0","ipam":{"type":"host-local","subnet":"10.1.0.0/16"}}
        """;

    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private JsonObject Output() => (JsonObject)JsonNode.Parse(File.ReadAllText(_dir.File(CniConfigMerger.OutputFileName)))!;

    private static string[] Types(JsonObject conflist) =>
        conflist["plugins"]!.AsArray().Select(p => p!["type"]!.GetValue<string>()).ToArray();

    [Fact]
    public void Merge_ConflistSource_AppendsMeshnetLast()
    {
        _dir.Write("10-kindnet.conflist", Conflist);

        new CniConfigMerger(_dir.Path).Merge();

        Assert.Equal(["ptp", "portmap", "meshnet"], Types(Output()));
    }

    [Fact]
    public void Merge_ConflistSource_KeepsVersionNameAndOtherKeys()
    {
        _dir.Write("10-kindnet.conflist", Conflist);

        new CniConfigMerger(_dir.Path).Merge();

        var output = Output();
        Assert.Equal("0.4.0", output["cniVersion"]!.GetValue<string>());
        Assert.Equal("kindnet", output["name"]!.GetValue<string>());
        Assert.True(output["disableCheck"]!.GetValue<bool>());
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Conflist)!["plugins"]![1], output["plugins"]![1]));
    }

    [Fact]
    public void Merge_SingleConf_WrapsItWithoutVersionAndNameInThePlugin()
    {
        _dir.Write("10-bridge.conf", SingleConf);

        new CniConfigMerger(_dir.Path).Merge();

        var output = Output();
        var expectedPlugin = (JsonObject)JsonNode.Parse(SingleConf)!;
        expectedPlugin.Remove("cniVersion");
        expectedPlugin.Remove("name");
        Assert.Equal("0.3.1", output["cniVersion"]!.GetValue<string>());
        Assert.Equal("bridge-net", output["name"]!.GetValue<string>());
        Assert.True(JsonNode.DeepEquals(expectedPlugin, output["plugins"]![0]));
        Assert.Equal(["bridge", "meshnet"], Types(output));
    }

    [Fact]
    public void Merge_JsonExtension_IsTreatedAsSingleConf()
    {
        _dir.Write("10-bridge.json", SingleConf);

        var result = new CniConfigMerger(_dir.Path).Merge();

        Assert.Equal(CniMergeAction.Written, result.Action);
        Assert.Equal(["bridge", "meshnet"], Types(Output()));
    }

    [Fact]
    public void Merge_SourceAlreadyChainsMeshnet_DoesNotChainItTwice()
    {
        _dir.Write("10-x.conflist", """{"cniVersion":"1.0.0","name":"x","plugins":[{"type":"ptp"},{"type":"meshnet"}]}""");

        new CniConfigMerger(_dir.Path).Merge();

        Assert.Equal(["ptp", "meshnet"], Types(Output()));
    }

    [Fact]
    public void Merge_SeveralConfigs_UsesTheFirstInLexicalOrder()
    {
        _dir.Write("20-bridge.conf", SingleConf);
        _dir.Write("10-kindnet.conflist", Conflist);

        var result = new CniConfigMerger(_dir.Path).Merge();

        Assert.Equal(_dir.File("10-kindnet.conflist"), result.SourcePath);
        Assert.Equal("kindnet", Output()["name"]!.GetValue<string>());
    }

    [Fact]
    public void Merge_OwnOutputSortsFirst_IsNeverUsedAsSource()
    {
        _dir.Write("10-kindnet.conflist", Conflist);
        var merger = new CniConfigMerger(_dir.Path);
        merger.Merge();

        var result = merger.Merge();

        Assert.Equal(_dir.File("10-kindnet.conflist"), result.SourcePath);
        Assert.Equal(["ptp", "portmap", "meshnet"], Types(Output()));
    }

    [Fact]
    public void Merge_InvalidFirstConfig_IsSkippedForTheNext()
    {
        _dir.Write("05-broken.conf", "{ not json");
        _dir.Write("10-kindnet.conflist", Conflist);

        var result = new CniConfigMerger(_dir.Path).Merge();

        Assert.Equal(_dir.File("10-kindnet.conflist"), result.SourcePath);
        Assert.Single(result.Skipped);
    }

    [Fact]
    public void Merge_FilesWithOtherExtensions_AreIgnored()
    {
        _dir.Write("01-notes.txt", SingleConf);

        var result = new CniConfigMerger(_dir.Path).Merge();

        Assert.Equal(CniMergeAction.NoSource, result.Action);
        Assert.False(File.Exists(_dir.File(CniConfigMerger.OutputFileName)));
    }

    [Fact]
    public void Merge_SameSourceTwice_LeavesTheFileUntouched()
    {
        _dir.Write("10-kindnet.conflist", Conflist);
        var merger = new CniConfigMerger(_dir.Path);
        merger.Merge();
        var before = new FileInfo(_dir.File(CniConfigMerger.OutputFileName));
        long inode = Inode(before.FullName);

        var result = merger.Merge();

        Assert.Equal(CniMergeAction.Unchanged, result.Action);
        Assert.Equal(inode, Inode(before.FullName));
    }

    [Fact]
    public void Merge_SourceChanged_RewritesOutput()
    {
        string source = _dir.Write("10-kindnet.conflist", Conflist);
        var merger = new CniConfigMerger(_dir.Path);
        merger.Merge();
        File.WriteAllText(source, Conflist.Replace("kindnet", "renamed", StringComparison.Ordinal));

        var result = merger.Merge();

        Assert.Equal(CniMergeAction.Written, result.Action);
        Assert.Equal("renamed", Output()["name"]!.GetValue<string>());
    }

    [Fact]
    public void Merge_SourceRemoved_RemovesOutput()
    {
        string source = _dir.Write("10-kindnet.conflist", Conflist);
        var merger = new CniConfigMerger(_dir.Path);
        merger.Merge();
        File.Delete(source);

        var result = merger.Merge();

        Assert.Equal(CniMergeAction.Removed, result.Action);
        Assert.False(File.Exists(_dir.File(CniConfigMerger.OutputFileName)));
    }

    [Fact]
    public void Merge_NonDefaultSocketAndStateDir_AreWrittenIntoThePluginEntry()
    {
        _dir.Write("10-kindnet.conflist", Conflist);

        new CniConfigMerger(_dir.Path, daemonSocket: "/run/x/d.sock", stateDir: "/run/x").Merge();

        var meshnet = Output()["plugins"]!.AsArray().Last()!;
        Assert.Equal("/run/x/d.sock", meshnet["daemonSocket"]!.GetValue<string>());
        Assert.Equal("/run/x", meshnet["stateDir"]!.GetValue<string>());
    }

    [Fact]
    public void Merge_Written_LeavesNoTemporaryFiles()
    {
        _dir.Write("10-kindnet.conflist", Conflist);

        new CniConfigMerger(_dir.Path).Merge();

        Assert.Equal(["00-meshnet.conflist", "10-kindnet.conflist"],
            Directory.GetFiles(_dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    private static long Inode(string path)
    {
        // stat -c %i: a rename-over replaces the inode, an untouched file keeps it.
        using var stat = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%i", path])
        {
            RedirectStandardOutput = true,
        })!;
        string output = stat.StandardOutput.ReadToEnd();
        stat.WaitForExit();
        return long.Parse(output.Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
