namespace Meshnet.Cni.Spec;

/// <summary>Error codes from the CNI specification ("Error" section), plus ours from 100 up.</summary>
internal enum CniErrorCode : uint
{
    IncompatibleCniVersion = 1,
    UnsupportedField = 2,
    UnknownContainer = 3,
    InvalidEnvironmentVariables = 4,
    IoFailure = 5,
    DecodingFailure = 6,
    InvalidNetworkConfig = 7,
    TryAgainLater = 11,

    /// <summary>The daemon answered with something other than a CNI result (a gRPC failure that retrying will not fix).</summary>
    DaemonCallFailed = 100,

    /// <summary>An unexpected failure; the number pkg/skel uses for the same (types.ErrInternal).</summary>
    Internal = 999,
}
