using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Meshnet.Netlink;

/// <summary>An address with its prefix length, "10.0.0.1/24" or "2001:db8::1/64" (host bits are kept).</summary>
public readonly record struct IpPrefix
{
    public IpPrefix(IPAddress address, int prefixLength)
    {
        ArgumentNullException.ThrowIfNull(address);
        var max = MaxPrefixLength(address);
        ArgumentOutOfRangeException.ThrowIfNegative(prefixLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(prefixLength, max);
        Address = address;
        PrefixLength = prefixLength;
    }

    public IPAddress Address { get; }

    public int PrefixLength { get; }

    public AddressFamily Family => Address.AddressFamily;

    /// <summary>Parses "A/P"; a bare address is a host prefix (/32 or /128).</summary>
    public static IpPrefix Parse(string cidr) =>
        TryParse(cidr, out var prefix) ? prefix : throw new FormatException($"'{cidr}' is not an IP prefix (A.B.C.D/N or X::Y/N).");

    public static bool TryParse([NotNullWhen(true)] string? cidr, out IpPrefix prefix)
    {
        prefix = default;
        if (string.IsNullOrWhiteSpace(cidr))
        {
            return false;
        }

        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? cidr : cidr[..slash];
        if (!IPAddress.TryParse(addressText, out var address) || address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            return false;
        }

        var length = MaxPrefixLength(address);
        if (slash >= 0 && (!int.TryParse(cidr.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > MaxPrefixLength(address)))
        {
            return false;
        }

        prefix = new IpPrefix(address, length);
        return true;
    }

    public override string ToString() => $"{Address}/{PrefixLength}";

    private static int MaxPrefixLength(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
}
