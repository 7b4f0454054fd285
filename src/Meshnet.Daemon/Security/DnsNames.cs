namespace Meshnet.Daemon.Security;

/// <summary>RFC 1123 names as Kubernetes uses them: namespaces are labels, node names are subdomains.</summary>
internal static class DnsNames
{
    private const int MaxLabel = 63;
    private const int MaxSubdomain = 253;

    /// <summary>Lowercase letters, digits and '-', 1–63 characters, starting and ending with a letter or digit.</summary>
    public static bool IsLabel(string? s) =>
        s is { Length: > 0 and <= MaxLabel }
        && IsAlphanumeric(s[0]) && IsAlphanumeric(s[^1])
        && s.All(c => IsAlphanumeric(c) || c == '-');

    /// <summary>Labels joined by '.', 253 characters at most (a Kubernetes node name).</summary>
    public static bool IsSubdomain(string? s) =>
        s is { Length: > 0 and <= MaxSubdomain } && s.Split('.').All(IsLabel);

    private static bool IsAlphanumeric(char c) => c is >= 'a' and <= 'z' or >= '0' and <= '9';
}
