using System.Text;
using System.Text.RegularExpressions;

namespace Meshnet.Model;

/// <summary>Names of pods, namespaces and interfaces. Each check returns what is wrong, or null.</summary>
internal static partial class NameRules
{
    /// <summary>IFNAMSIZ (16) less the terminating NUL: the kernel's limit, in bytes.</summary>
    public const int MaxInterfaceNameLength = 15;

    private const int MaxSubdomainLength = 253;
    private const int MaxLabelLength = 63;

    /// <summary>Pod names are DNS-1123 subdomains, as Kubernetes requires; <c>localhost</c> means macvlan.</summary>
    public static string? CheckPodName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is empty";
        }

        if (name == Link.LocalhostPeer)
        {
            return "\"localhost\" is reserved for macvlan links and cannot name a pod";
        }

        return name.Length <= MaxSubdomainLength && Subdomain().IsMatch(name)
            ? null
            : $"\"{name}\" is not a valid name (lower-case letters, digits, '-' and '.', starting and ending with a letter or digit, at most {MaxSubdomainLength} characters)";
    }

    /// <summary>Namespaces are DNS-1123 labels.</summary>
    public static string? CheckNamespace(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is empty";
        }

        return name.Length <= MaxLabelLength && Label().IsMatch(name)
            ? null
            : $"\"{name}\" is not a valid namespace (lower-case letters, digits and '-', starting and ending with a letter or digit, at most {MaxLabelLength} characters)";
    }

    /// <summary>What the kernel's <c>dev_valid_name</c> accepts.</summary>
    public static string? CheckInterfaceName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "is empty";
        }

        if (Encoding.UTF8.GetByteCount(name) > MaxInterfaceNameLength)
        {
            return $"\"{name}\" is longer than {MaxInterfaceNameLength} characters";
        }

        if (name is "." or "..")
        {
            return $"\"{name}\" is not a valid interface name";
        }

        foreach (var c in name)
        {
            if (c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return $"\"{name}\" contains {Describe(c)}, which interface names cannot";
            }
        }

        return null;
    }

    private static string Describe(char c) => c switch
    {
        '/' or ':' => $"'{c}'",
        _ when char.IsWhiteSpace(c) => "whitespace",
        _ => $"the control character U+{(int)c:X4}",
    };

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Subdomain();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", RegexOptions.CultureInvariant)]
    private static partial Regex Label();
}
