using System.Globalization;
using System.Net;
using Meshnet.Model;
using Meshnet.Netlink;
using Meshnet.Store;

namespace Meshnet.Ctl.Lab.Check;

/// <summary>
/// <c>lab check</c>: proves every link of a lab end to end with nothing but sockets — an ICMP echo each way when
/// both ends have addresses, otherwise a probe frame each way (<see cref="ProbeFrame"/>). A macvlan link's far end
/// is outside the lab, so it is listed but not probed.
/// </summary>
internal static class LinkChecker
{
    public static async Task<IReadOnlyList<LinkCheck>> CheckAsync(ITopologyStore store, string lab, TimeSpan timeout, CancellationToken ct)
    {
        var pods = (await store.ListAsync(lab, ct)).Items.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var checks = new List<LinkCheck>();
        foreach (var pod in pods.Values.OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            foreach (var link in pod.Spec.Links.OrderBy(l => l.Uid))
            {
                var a = $"{pod.Name}:{link.LocalIntf}";
                var transport = pod.Status.Links.FirstOrDefault(s => s.Uid == link.Uid)?.Transport ?? (link.IsMacvlan ? "macvlan" : "-");
                if (link.IsMacvlan)
                {
                    checks.Add(new(link.Uid, a, $"host:{link.PeerIntf}", transport, "-", Outcome.Skipped, "far end is outside the lab", null));
                    continue;
                }

                var b = $"{link.PeerPod}:{link.PeerIntf}";
                if (!pods.TryGetValue(link.PeerPod, out var peer) || peer.Spec.Links.All(p => p.Uid != link.Uid))
                {
                    checks.Add(new(link.Uid, a, b, transport, "-", Outcome.Failed, $"pending: pod {link.PeerPod} does not declare uid {link.Uid}", null));
                    continue;
                }

                // Each link once: from the end whose (pod, interface) sorts first.
                if (string.CompareOrdinal(a, b) > 0)
                {
                    continue;
                }

                checks.Add(CheckPair(lab, pod.Name, link, transport, timeout));
            }
        }

        return checks.OrderBy(c => c.Uid).ThenBy(c => c.EndA, StringComparer.Ordinal).ToList();
    }

    private static LinkCheck CheckPair(string lab, string pod, Link link, string transport, TimeSpan timeout)
    {
        var a = $"{pod}:{link.LocalIntf}";
        var b = $"{link.PeerPod}:{link.PeerIntf}";
        var addressed = !string.IsNullOrEmpty(link.LocalIp) && !string.IsNullOrEmpty(link.PeerIp);
        var method = addressed ? "icmp" : "frame";
        try
        {
            using var nsA = NetNs.Open(LabNames.NetNsName(lab, pod));
            using var nsB = NetNs.Open(LabNames.NetNsName(lab, link.PeerPod));
            if (addressed)
            {
                var there = nsA.Run(() => IcmpEcho.Send(link.LocalIntf, Host(link.PeerIp!), timeout));
                var back = there.Error is null ? nsB.Run(() => IcmpEcho.Send(link.PeerIntf, Host(link.LocalIp!), timeout)) : default;
                var error = there.Error is { } e1 ? $"{a} -> {b}: {e1}" : back.Error is { } e2 ? $"{b} -> {a}: {e2}" : null;
                return new(link.Uid, a, b, transport, method, error is null ? Outcome.Ok : Outcome.Failed, error,
                    error is null ? [there.Rtt!.Value, back.Rtt!.Value] : null);
            }

            using var endA = OpenEnd(nsA, a, link.LocalIntf);
            using var endB = OpenEnd(nsB, b, link.PeerIntf);
            var (rtt, failure) = ProbeFrame.Exchange(endA, endB, timeout);
            return new(link.Uid, a, b, transport, method, failure is null ? Outcome.Ok : Outcome.Failed, failure, rtt is null ? null : [rtt.Value]);
        }
        catch (Exception e) when (e is NetlinkException or System.Net.Sockets.SocketException or EndMissingException)
        {
            return new(link.Uid, a, b, transport, method, Outcome.Failed, e.Message, null);
        }
    }

    private static EndSocket OpenEnd(NetNs ns, string name, string device) => ns.Run(() =>
    {
        using var nl = NetlinkHandle.Open(ns);
        if (!nl.TryLinkByName(device, out var info) || info is null)
        {
            throw new EndMissingException($"{name}: no such interface");
        }

        if (!info.IsUp)
        {
            throw new EndMissingException($"{name}: interface is down");
        }

        return new EndSocket(name, info.HardwareAddr?.GetAddressBytes() ?? new byte[6], PacketSocket.Open(info.Index, ProbeFrame.EtherType));
    });

    private static IPAddress Host(string cidr) => IPAddress.Parse(cidr.Split('/')[0]);

    private sealed class EndMissingException(string message) : Exception(message);
}

internal enum Outcome
{
    Ok,
    Failed,
    Skipped,
}

/// <summary>What <c>lab check</c> found for one link.</summary>
internal sealed record LinkCheck(int Uid, string EndA, string EndB, string Transport, string Method, Outcome Outcome, string? Detail, IReadOnlyList<TimeSpan>? Rtts)
{
    public string ResultText => Outcome switch
    {
        Outcome.Ok => "ok",
        Outcome.Skipped => $"skipped: {Detail}",
        _ => $"FAILED: {Detail}",
    };

    /// <summary>Round trips in milliseconds, each way for ICMP (a→b/b→a), once for a probe frame.</summary>
    public string RttText => Rtts is null
        ? "-"
        : string.Join("/", Rtts.Select(r => r.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture))) + " ms";
}
