using Grpc.Core;
using Meshnet.Daemon.Security;
using Meshnet.Protocol.V1;

namespace Meshnet.Daemon.NodeApi;

/// <summary>Checks a link name received from the network before anything looks it up.</summary>
internal static class LinkRefs
{
    /// <summary>Throws <see cref="StatusCode.InvalidArgument"/> unless the namespace is a DNS label and the uid is not negative.</summary>
    public static void Validate(LinkRef link)
    {
        if (!DnsNames.IsLabel(link.Namespace))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"namespace '{Printable(link.Namespace)}' is not a DNS label (RFC 1123: lowercase letters, digits and '-', at most 63)"));
        }

        if (link.Uid < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"uid {link.Uid} is negative; link uids are 0 or more"));
        }
    }

    public static string Describe(LinkRef link) => $"{link.Namespace}/{link.Uid}";

    /// <summary>An attacker-chosen string, cut short and stripped of control characters before it goes into a message or a log.</summary>
    private static string Printable(string s)
    {
        var cut = s.Length > 80 ? s[..80] + "…" : s;
        return new string([.. cut.Select(c => char.IsControl(c) ? '?' : c)]);
    }
}
