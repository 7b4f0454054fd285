namespace Meshnet.Store.Sqlite;

/// <summary>
/// Wakes watchers when the database may have changed: directly after a write in this process, and through
/// inotify (FileSystemWatcher) when another process writes the database or its WAL. Watchers then read the
/// changelog, so a spurious wake-up costs one small query and a missed one is caught by the slow re-check.
/// </summary>
internal sealed class ChangeSignal(string databasePath) : IDisposable
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private FileSystemWatcher? _files;
    private bool _disposed;

    /// <summary>Completes at the next change. Take it before reading, so a change during the read is not missed.</summary>
    public Task Next
    {
        get
        {
            lock (_gate)
            {
                return _next.Task;
            }
        }
    }

    public void Pulse()
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            fired = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        fired.TrySetResult();
    }

    /// <summary>Starts the file watch on first use: processes that never watch keep no inotify instance.</summary>
    public void WatchOtherProcesses()
    {
        lock (_gate)
        {
            if (_files is not null || _disposed)
            {
                return;
            }

            var full = Path.GetFullPath(databasePath);
            _files = new FileSystemWatcher(Path.GetDirectoryName(full)!, Path.GetFileName(full) + "*")
            {
                NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.FileName,
            };
            _files.Changed += (_, _) => Pulse();
            _files.Created += (_, _) => Pulse();
            _files.Error += (_, _) => Pulse();
            _files.EnableRaisingEvents = true;
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _files?.Dispose();
            _files = null;
        }

        Pulse();
    }
}
