using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Meshnet.Model;

/// <summary>CIDRs, MACs and MTUs of a link. Each check returns what is wrong, or null.</summary>
internal static partial class AddressRules
{
    public const int MinMtu = 68;
    public const int MaxMtu = 65535;

    /// <summary>
    /// An interface address with its prefix, <c>10.0.0.1/24</c> or <c>2001:db8::1/64</c>: the address must be a
    /// host of that subnet (not its network or IPv4 broadcast address), because it is assigned to an interface.
    /// </summary>
    public static string? CheckCidr(string text)
    {
        if (!TryParseCidr(text, out var address, out var prefix, out var problem))
        {
            return $"\"{text}\" {problem}";
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (bits - prefix < 2)
        {
            return null; // /31, /32, /127, /128: every address is a host.
        }

        var bytes = address.GetAddressBytes();
        var (allZero, allOne) = HostBits(bytes, prefix);
        if (allZero)
        {
            return $"\"{text}\" is the network address of its subnet, not a host address";
        }

        return allOne && bits == 32 ? $"\"{text}\" is the broadcast address of its subnet, not a host address" : null;
    }

    /// <summary>Both texts denote the same address and prefix (so <c>2001:DB8::1/64</c> equals <c>2001:db8::1/64</c>).</summary>
    public static bool SameCidr(string? a, string? b)
    {
        a ??= "";
        b ??= "";
        if (a == b)
        {
            return true;
        }

        return TryParseCidr(a, out var addrA, out var prefixA, out _)
            && TryParseCidr(b, out var addrB, out var prefixB, out _)
            && addrA.Equals(addrB) && prefixA == prefixB;
    }

    public static string? CheckMtu(int mtu) =>
        mtu is < MinMtu or > MaxMtu ? $"{mtu} is outside {MinMtu}..{MaxMtu}" : null;

    /// <summary>A unicast, non-zero Ethernet address written as six colon-separated hex pairs.</summary>
    public static string? CheckMac(string text)
    {
        if (!Mac().IsMatch(text))
        {
            return $"\"{text}\" is not a MAC address like 02:00:00:00:00:01";
        }

        var first = byte.Parse(text.AsSpan(0, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        if ((first & 1) != 0)
        {
            return $"\"{text}\" is a multicast address";
        }

        return text.All(c => c is '0' or ':') ? $"\"{text}\" is the all-zero address" : null;
    }

    public static bool SameMac(string? a, string? b) =>
        string.Equals(a ?? "", b ?? "", StringComparison.OrdinalIgnoreCase);

    private static bool TryParseCidr(string text, out IPAddress address, out int prefix, out string problem)
    {
        address = IPAddress.None;
        prefix = 0;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            problem = "has no prefix length (write it like 10.0.0.1/24)";
            return false;
        }

        var addressText = text[..slash];
        var prefixText = text[(slash + 1)..];
        // IPAddress.TryParse also takes "10.1" or "0x0a.0.0.1"; only the usual dotted quad is meant here.
        var isV4 = DottedQuad().IsMatch(addressText);
        if (!(isV4 || addressText.Contains(':', StringComparison.Ordinal)) || addressText.Contains('%', StringComparison.Ordinal)
            || !IPAddress.TryParse(addressText, out var parsed))
        {
            problem = "is not a CIDR: the address is not an IPv4 or IPv6 address";
            return false;
        }

        var max = isV4 ? 32 : 128;
        if (!Digits().IsMatch(prefixText) || !int.TryParse(prefixText, CultureInfo.InvariantCulture, out prefix) || prefix > max)
        {
            problem = $"is not a CIDR: the prefix length must be 0..{max}";
            return false;
        }

        address = parsed;
        problem = "";
        return true;
    }

    private static (bool AllZero, bool AllOne) HostBits(byte[] bytes, int prefix)
    {
        bool allZero = true, allOne = true;
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            var set = (bytes[bit / 8] & (0x80 >> (bit % 8))) != 0;
            allZero &= !set;
            allOne &= set;
        }

        return (allZero, allOne);
    }

    [GeneratedRegex(@"^[0-9]{1,3}(\.[0-9]{1,3}){3}$", RegexOptions.CultureInvariant)]
    private static partial Regex DottedQuad();

    [GeneratedRegex(@"^[0-9]{1,3}$", RegexOptions.CultureInvariant)]
    private static partial Regex Digits();

    [GeneratedRegex("^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$", RegexOptions.CultureInvariant)]
    private static partial Regex Mac();
}
