namespace Meshnet.Cni.Spec;

/// <summary>
/// A failure that ends the invocation with the spec's error JSON on stdout and exit code 1.
/// <paramref name="code"/> is a raw number because the daemon may hand us codes we do not name (e.g. 50, 51).
/// </summary>
internal sealed class CniException(uint code, string message, string details = "") : Exception(message)
{
    public CniException(CniErrorCode code, string message, string details = "")
        : this((uint)code, message, details)
    {
    }

    public uint Code { get; } = code;

    public string Details { get; } = details;
}
