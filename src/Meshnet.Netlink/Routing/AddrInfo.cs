namespace Meshnet.Netlink;

/// <summary>An address assigned to a link (one RTM_NEWADDR).</summary>
public sealed record AddrInfo(int Index, IpPrefix Address)
{
    /// <summary>RT_SCOPE_*: 0 universe, 253 link, 254 host (see <see cref="RouteScopes"/>).</summary>
    public byte Scope { get; init; }
}
