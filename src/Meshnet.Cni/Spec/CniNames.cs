namespace Meshnet.Cni.Spec;

/// <summary>The name rules of pkg/utils (ValidateContainerID, ValidateNetworkName, ValidateInterfaceName).</summary>
internal static class CniNames
{
    /// <summary>Linux IFNAMSIZ is 16 including the terminating NUL.</summary>
    public const int MaxInterfaceNameLength = 15;

    public static void ValidateContainerId(string containerId)
    {
        if (containerId.Length == 0)
        {
            throw new CniException(CniErrorCode.UnknownContainer, "missing containerID");
        }
        if (!IsValidName(containerId))
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, "invalid characters in containerID", containerId);
        }
    }

    public static void ValidateNetworkName(string name)
    {
        if (name.Length == 0)
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "missing network name");
        }
        if (!IsValidName(name))
        {
            throw new CniException(CniErrorCode.InvalidNetworkConfig, "invalid characters found in network name", name);
        }
    }

    public static void ValidateInterfaceName(string ifName)
    {
        if (ifName.Length == 0)
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, "interface name is empty");
        }
        if (ifName.Length > MaxInterfaceNameLength)
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, "interface name is too long",
                $"interface name should be less than {MaxInterfaceNameLength + 1} characters");
        }
        if (ifName is "." or "..")
        {
            throw new CniException(CniErrorCode.InvalidEnvironmentVariables, "interface name is . or ..");
        }
        foreach (char c in ifName)
        {
            if (c is '/' or ':' || char.IsWhiteSpace(c))
            {
                throw new CniException(CniErrorCode.InvalidEnvironmentVariables,
                    "interface name contains / or : or whitespace characters");
            }
        }
    }

    /// <summary>^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$</summary>
    public static bool IsValidName(string value)
    {
        if (value.Length == 0 || !char.IsAsciiLetterOrDigit(value[0]))
        {
            return false;
        }
        foreach (char c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '.' or '-'))
            {
                return false;
            }
        }
        return true;
    }
}
