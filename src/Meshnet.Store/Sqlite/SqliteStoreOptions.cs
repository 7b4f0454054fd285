namespace Meshnet.Store.Sqlite;

/// <summary>Tuning for <see cref="SqliteTopologyStore"/>; the defaults suit a lab or one node.</summary>
public sealed record SqliteStoreOptions
{
    /// <summary>How many revisions of the changelog are kept for watchers to replay; older ones expire.</summary>
    public int ChangelogRetention { get; init; } = 10_000;

    /// <summary>How long a write waits for another process's write lock before failing.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Watchers wake on in-process writes and on inotify events for the database files; this slow re-check only
    /// covers a missed file notification (e.g. the inotify queue overflowed).
    /// </summary>
    public TimeSpan WatchRecheckInterval { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
