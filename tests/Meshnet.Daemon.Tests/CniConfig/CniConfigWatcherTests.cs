using System.Collections.Concurrent;
using Meshnet.Daemon.CniConfig;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace Meshnet.Daemon.Tests.CniConfig;

public sealed class CniConfigWatcherTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly TempDirectory _dir = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly BlockingCollection<CniMergeResult> _merges = [];
    private Task? _running;

    public void Dispose()
    {
        _stop.Cancel();
        _running?.Wait(Patience);
        _stop.Dispose();
        _merges.Dispose();
        _dir.Dispose();
    }

    private void Start()
    {
        var watcher = new CniConfigWatcher(
            new CniConfigMerger(_dir.Path), NullLogger<CniConfigWatcher>.Instance, TimeProvider.System, TimeSpan.FromMilliseconds(50));
        watcher.Merged += _merges.Add;
        _running = Task.Run(() => watcher.RunAsync(_stop.Token));
    }

    /// <summary>Waits for the first merge result that satisfies <paramref name="wanted"/>.</summary>
    private CniMergeResult WaitFor(Func<CniMergeResult, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var result = _merges.Take(timeout.Token);
            if (wanted(result))
            {
                return result;
            }
        }
    }

    private string OutputPath => _dir.File(CniConfigMerger.OutputFileName);

    [Fact]
    public void RunAsync_PrimaryConfigPresentAtStart_WritesConflist()
    {
        _dir.Write("10-a.conflist", """{"cniVersion":"1.0.0","name":"a","plugins":[{"type":"ptp"}]}""");

        Start();

        WaitFor(r => r.Action == CniMergeAction.Written);
        Assert.Contains("\"meshnet\"", File.ReadAllText(OutputPath), StringComparison.Ordinal);
    }

    [Fact]
    public void RunAsync_PrimaryConfigAppearsLater_WritesConflist()
    {
        Start();
        WaitFor(r => r.Action == CniMergeAction.NoSource);

        _dir.Write("10-a.conflist", """{"cniVersion":"1.0.0","name":"later","plugins":[{"type":"ptp"}]}""");

        WaitFor(r => r.Action == CniMergeAction.Written);
        Assert.Contains("\"later\"", File.ReadAllText(OutputPath), StringComparison.Ordinal);
    }

    [Fact]
    public void RunAsync_PrimaryConfigEdited_RewritesConflist()
    {
        string source = _dir.Write("10-a.conflist", """{"cniVersion":"1.0.0","name":"a","plugins":[{"type":"ptp"}]}""");
        Start();
        WaitFor(r => r.Action == CniMergeAction.Written);

        File.WriteAllText(source, """{"cniVersion":"1.0.0","name":"edited","plugins":[{"type":"ptp"}]}""");

        WaitFor(r => r.Action == CniMergeAction.Written);
        Assert.Contains("\"edited\"", File.ReadAllText(OutputPath), StringComparison.Ordinal);
    }

    [Fact]
    public void RunAsync_OutputDeletedBySomeoneElse_IsRestored()
    {
        _dir.Write("10-a.conflist", """{"cniVersion":"1.0.0","name":"a","plugins":[{"type":"ptp"}]}""");
        Start();
        WaitFor(r => r.Action == CniMergeAction.Written);

        File.Delete(OutputPath);

        WaitFor(r => r.Action == CniMergeAction.Written);
        Assert.True(File.Exists(OutputPath));
    }

    [Fact]
    public async Task RunAsync_Cancelled_Completes()
    {
        Start();
        WaitFor(r => r.Action == CniMergeAction.NoSource);

        _stop.Cancel();

        await _running!.WaitAsync(Patience);
        Assert.True(_running.IsCompletedSuccessfully);
    }
}
