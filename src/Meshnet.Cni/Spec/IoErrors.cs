namespace Meshnet.Cni.Spec;

/// <summary>File system failures of the plugin's own files become the spec's I/O error (5).</summary>
internal static class IoErrors
{
    public static void Wrap(string what, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CniException(CniErrorCode.IoFailure, $"{what}: {e.Message}");
        }
    }
}
