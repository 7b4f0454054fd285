using System.Net;

namespace Meshnet.Netlink;

/// <summary>
/// A route to add or delete: = ip route add DESTINATION [via GATEWAY] [dev OUT] [src SOURCE] [metric M] [table T].
/// </summary>
public sealed record RouteSpec
{
    /// <summary>The destination; 0.0.0.0/0 or ::/0 is the default route.</summary>
    public required IpPrefix Destination { get; init; }

    public IPAddress? Gateway { get; init; }

    public int? OutIndex { get; init; }

    public IPAddress? Source { get; init; }

    public int? Metric { get; init; }

    public int Table { get; init; } = RouteTables.Main;

    /// <summary>RT_SCOPE_*; null picks what `ip route` picks: link scope for a directly connected route, universe otherwise.</summary>
    public byte? Scope { get; init; }
}

/// <summary>A route as the kernel reports it (one RTM_NEWROUTE).</summary>
public sealed record RouteInfo(
    IpPrefix Destination,
    IPAddress? Gateway,
    int? OutIndex,
    IPAddress? Source,
    int Metric,
    int Table,
    byte Scope,
    byte Protocol,
    byte Type);

/// <summary>Well-known routing table ids.</summary>
public static class RouteTables
{
    public const int Main = 254;
    public const int Local = 255;
}

/// <summary>Well-known RT_SCOPE_* values.</summary>
public static class RouteScopes
{
    public const byte Universe = 0;
    public const byte Link = 253;
    public const byte Host = 254;
}
