using System.Text.RegularExpressions;

namespace Meshnet.Ctl.Lab;

/// <summary>
/// How a lab names things on the machine. A lab is a store namespace; each pod gets the network namespace
/// <c>mn.LAB.POD</c>: the dots cannot occur in lab or pod names (DNS labels), so two labs never share a prefix.
/// </summary>
internal static partial class LabNames
{
    public const string LabLabel = "meshnet.networkop.co.uk/lab";

    public static string NetNsName(string lab, string pod) => $"{NetNsPrefix(lab)}{pod}";

    public static string NetNsPrefix(string lab) => $"mn.{lab}.";

    /// <summary>Null when <paramref name="name"/> is a valid lab name, else why not.</summary>
    public static string? ValidateLabName(string name) =>
        DnsLabel().IsMatch(name) && name.Length <= 63
            ? null
            : $"lab name \"{name}\" must be a DNS label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
