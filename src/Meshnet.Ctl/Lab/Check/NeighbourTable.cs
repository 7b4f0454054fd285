using System.Globalization;

namespace Meshnet.Ctl.Lab.Check;

/// <summary>
/// The kernel's IPv4 neighbour (ARP) table is one table for every network namespace on the machine: once it holds
/// gc_thresh3 entries, no namespace can resolve a new address and echoes silently go unanswered. When an echo
/// fails, <c>lab check</c> says so if this is why, since nothing about the link itself would explain it.
/// </summary>
internal static class NeighbourTable
{
    /// <summary>Why addresses cannot be resolved right now, or null when the table has room.</summary>
    public static string? FullReason()
    {
        try
        {
            // Every line after the header carries the table-wide entry count (hex) first.
            var line = File.ReadLines("/proc/net/stat/arp_cache").Skip(1).FirstOrDefault();
            var limitText = File.ReadAllText("/proc/sys/net/ipv4/neigh/default/gc_thresh3").Trim();
            if (line is null || !int.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var entries)
                || !int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var limit))
            {
                return null;
            }

            return entries >= limit
                ? $"the machine's IPv4 neighbour table is full ({entries} entries, net.ipv4.neigh.default.gc_thresh3 = {limit}), so no namespace can resolve new addresses"
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
