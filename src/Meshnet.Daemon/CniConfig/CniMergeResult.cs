namespace Meshnet.Daemon.CniConfig;

/// <summary>What <see cref="CniConfigMerger.Merge"/> did.</summary>
internal enum CniMergeAction
{
    /// <summary>00-meshnet.conflist was created or its content replaced.</summary>
    Written,

    /// <summary>00-meshnet.conflist already had the right content; the file was not touched.</summary>
    Unchanged,

    /// <summary>No usable primary config exists any more, so 00-meshnet.conflist was deleted.</summary>
    Removed,

    /// <summary>No usable primary config and no 00-meshnet.conflist: nothing to do yet.</summary>
    NoSource,
}

/// <param name="SourcePath">The primary config used, or null when there was none.</param>
/// <param name="Action">What happened to 00-meshnet.conflist.</param>
/// <param name="Skipped">Config files that came earlier but could not be used, each with the reason.</param>
internal sealed record CniMergeResult(string? SourcePath, CniMergeAction Action, IReadOnlyList<string> Skipped);
