using System.Threading.Channels;

namespace Meshnet.Daemon.CniConfig;

/// <summary>
/// Keeps 00-meshnet.conflist in step with the node's primary CNI config: merges once at start, then again
/// whenever something in the config directory changes (debounced, because installers write files in steps).
/// The daemon hosts it as a background service.
/// </summary>
internal sealed partial class CniConfigWatcher(
    CniConfigMerger merger,
    ILogger<CniConfigWatcher> logger,
    TimeProvider timeProvider,
    TimeSpan debounce)
{
    public static readonly TimeSpan DefaultDebounce = TimeSpan.FromMilliseconds(500);

    /// <summary>Raised after each merge attempt (tests wait on it; the daemon may surface it in readiness).</summary>
    public event Action<CniMergeResult>? Merged;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(merger.ConfDir);
        // One pending signal is enough: a merge always reads the directory as it is then.
        var changes = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
        using var watcher = new FileSystemWatcher(merger.ConfDir)
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
            IncludeSubdirectories = false,
        };
        void Signal(object? sender, FileSystemEventArgs e)
        {
            // Temporaries (ours and others') start with a dot; their final rename is reported under the real name.
            if (!Path.GetFileName(e.Name ?? string.Empty).StartsWith('.'))
            {
                changes.Writer.TryWrite(true);
            }
        }
        watcher.Created += Signal;
        watcher.Changed += Signal;
        watcher.Deleted += Signal;
        watcher.Renamed += Signal;
        watcher.Error += (_, e) =>
        {
            // The kernel queue overflowed: we missed events, so look at everything again.
            LogWatchError(e.GetException());
            changes.Writer.TryWrite(true);
        };
        watcher.EnableRaisingEvents = true;

        MergeOnce();
        try
        {
            while (await changes.Reader.WaitToReadAsync(cancellationToken))
            {
                await Task.Delay(debounce, timeProvider, cancellationToken);
                changes.Reader.TryRead(out _);
                MergeOnce();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // shutting down
        }
    }

    private void MergeOnce()
    {
        try
        {
            var result = merger.Merge();
            foreach (string skipped in result.Skipped)
            {
                LogSkipped(skipped);
            }
            switch (result.Action)
            {
                case CniMergeAction.Written: LogWritten(merger.OutputPath, result.SourcePath!); break;
                case CniMergeAction.Removed: LogRemoved(merger.OutputPath, merger.ConfDir); break;
                case CniMergeAction.NoSource: LogNoSource(merger.ConfDir); break;
                case CniMergeAction.Unchanged: break;
            }
            Merged?.Invoke(result);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Keep watching: the next change (or a fixed permission) gets another attempt.
            LogMergeFailed(e, merger.ConfDir);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Wrote {Output} from {Source}")]
    private partial void LogWritten(string output, string source);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "No primary CNI config left in {ConfDir}; removed {Output}")]
    private partial void LogRemoved(string output, string confDir);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Waiting for a primary CNI config in {ConfDir}")]
    private partial void LogNoSource(string confDir);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Skipped CNI config {Reason}")]
    private partial void LogSkipped(string reason);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Merging the CNI config in {ConfDir} failed")]
    private partial void LogMergeFailed(Exception exception, string confDir);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "Watching the CNI config directory failed; rescanning")]
    private partial void LogWatchError(Exception exception);
}
