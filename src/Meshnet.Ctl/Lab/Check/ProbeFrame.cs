using System.Diagnostics;
using System.Security.Cryptography;
using Meshnet.Netlink;

namespace Meshnet.Ctl.Lab.Check;

/// <summary>
/// Proves a link without addresses (KNE leaves them empty): a frame with a locally administered ethertype sent out
/// of one end must arrive at the other, and the other end's answer must come back. Needs nothing but AF_PACKET.
/// </summary>
internal static class ProbeFrame
{
    /// <summary>IEEE 802 Local Experimental Ethertype 1: never a real protocol, so no stack answers or drops it.</summary>
    public const ushort EtherType = 0x88B5;

    private const byte Request = 1;
    private const byte Reply = 2;
    private static readonly byte[] Magic = "meshnet-check"u8.ToArray();

    /// <summary>Round trip a→b→a, or null with which direction failed.</summary>
    public static (TimeSpan? Rtt, string? Error) Exchange(EndSocket a, EndSocket b, TimeSpan timeout)
    {
        var nonce = RandomNumberGenerator.GetBytes(16);
        var clock = Stopwatch.StartNew();
        a.Socket.Send(Frame(b.Mac, a.Mac, Request, nonce));
        if (!Await(b.Socket, Request, nonce, timeout))
        {
            return (null, $"frame from {a.Name} not seen at {b.Name}");
        }

        b.Socket.Send(Frame(a.Mac, b.Mac, Reply, nonce));
        return Await(a.Socket, Reply, nonce, timeout)
            ? (clock.Elapsed, null)
            : (null, $"frame from {b.Name} not seen at {a.Name}");
    }

    private static bool Await(PacketSocket socket, byte kind, byte[] nonce, TimeSpan timeout)
    {
        var buffer = new byte[2048];
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var n = socket.Receive(buffer, timeout - clock.Elapsed);
            // The socket also sees frames its own end sends; the kind byte tells them apart.
            if (n >= 14 + Magic.Length + 1 + nonce.Length
                && buffer.AsSpan(14, Magic.Length).SequenceEqual(Magic)
                && buffer[14 + Magic.Length] == kind
                && buffer.AsSpan(15 + Magic.Length, nonce.Length).SequenceEqual(nonce))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Frame(byte[] destination, byte[] source, byte kind, byte[] nonce)
    {
        var frame = new byte[60]; // the Ethernet minimum without FCS
        destination.CopyTo(frame, 0);
        source.CopyTo(frame, 6);
        frame[12] = EtherType >> 8;
        frame[13] = EtherType & 0xff;
        Magic.CopyTo(frame, 14);
        frame[14 + Magic.Length] = kind;
        nonce.CopyTo(frame, 15 + Magic.Length);
        return frame;
    }
}

/// <summary>One end of a link, opened for probing: its name (POD:INTF), MAC and packet socket.</summary>
internal sealed record EndSocket(string Name, byte[] Mac, PacketSocket Socket) : IDisposable
{
    public void Dispose() => Socket.Dispose();
}
