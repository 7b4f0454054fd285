using System.Net;
using System.Net.Sockets;

namespace Meshnet.Netlink.Protocol;

/// <summary>IP addresses as raw attribute payloads (network byte order, 4 or 16 bytes).</summary>
internal static class AddressCodec
{
    public static byte Family(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? (byte)Interop.AF_INET6 : (byte)Interop.AF_INET;

    public static void Put(NetlinkMessageWriter writer, ushort type, IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        writer.PutBytes(type, bytes[..written]);
    }

    public static IPAddress? Read(ReadOnlySpan<byte> payload) =>
        payload.Length is 4 or 16 ? new IPAddress(payload) : null;
}
