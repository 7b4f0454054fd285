namespace Meshnet.Cni.Spec;

/// <summary>Which CNI spec versions we speak, and the version gates of pkg/skel and pkg/version.</summary>
internal static class SpecVersion
{
    public static readonly string[] Supported = ["0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"];

    public const string Latest = "1.1.0";

    /// <summary>What libcni assumes when a config carries no cniVersion.</summary>
    public const string Implicit = "0.1.0";

    public static bool IsSupported(string version) => Array.IndexOf(Supported, version) >= 0;

    /// <summary>Fails with code 1 unless the config's version is one we speak (VersionReconciler.Check).</summary>
    public static void RequireSupported(string configVersion)
    {
        if (!IsSupported(configVersion))
        {
            throw new CniException(
                CniErrorCode.IncompatibleCniVersion,
                "incompatible CNI versions",
                $"config is \"{configVersion}\", plugin supports [\"{string.Join("\" \"", Supported)}\"]");
        }
    }

    /// <summary>
    /// The gate skel puts in front of CHECK (0.4.0), GC and STATUS (1.1.0): an unparsable version is a decoding
    /// failure (6), an older one is an incompatible version (1).
    /// </summary>
    public static void RequireAtLeast(string configVersion, string minimum, string command)
    {
        if (!TryParse(configVersion, out var config))
        {
            throw new CniException(CniErrorCode.DecodingFailure, $"invalid version \"{configVersion}\"");
        }
        if (config.CompareTo(Parse(minimum)) < 0)
        {
            throw new CniException(CniErrorCode.IncompatibleCniVersion, $"config version does not allow {command}");
        }
        RequireSupported(configVersion);
    }

    /// <summary>Parses "major[.minor[.patch]]" as pkg/version.ParseVersion does (missing parts are 0).</summary>
    public static bool TryParse(string version, out Version parsed)
    {
        parsed = new Version(0, 0, 0);
        string[] parts = version.Split('.');
        if (parts.Length > 3)
        {
            return false;
        }
        Span<int> numbers = [0, 0, 0];
        for (int i = 0; i < parts.Length; i++)
        {
            if (parts[i].Length == 0 || !parts[i].All(char.IsAsciiDigit) || !int.TryParse(parts[i], out numbers[i]))
            {
                return false;
            }
        }
        parsed = new Version(numbers[0], numbers[1], numbers[2]);
        return true;
    }

    private static Version Parse(string version) =>
        TryParse(version, out var parsed) ? parsed : throw new ArgumentException($"bad version {version}", nameof(version));
}
