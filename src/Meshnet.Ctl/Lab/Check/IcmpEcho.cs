using System.Buffers.Binary;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Meshnet.Ctl.Lab.Check;

/// <summary>
/// One ICMP (or ICMPv6) echo from a raw socket tied to one interface (SO_BINDTODEVICE), so the echo proves that very
/// link and not another route. Sockets take the network namespace of the thread that creates them: call this inside
/// the pod's namespace.
/// </summary>
internal static class IcmpEcho
{
    private const int SoBindToDevice = 25;

    /// <summary>The round trip, or null with why not.</summary>
    public static (TimeSpan? Rtt, string? Error) Send(string device, IPAddress destination, TimeSpan timeout)
    {
        var v6 = destination.AddressFamily == AddressFamily.InterNetworkV6;
        using var socket = new Socket(destination.AddressFamily, SocketType.Raw, v6 ? ProtocolType.IcmpV6 : ProtocolType.Icmp);
        socket.SetRawSocketOption(1, SoBindToDevice, Encoding.ASCII.GetBytes(device + "\0"));
        var id = (ushort)Random.Shared.Next(1, ushort.MaxValue);
        var request = new byte[32];
        request[0] = v6 ? (byte)128 : (byte)8;
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(6), 1);
        "meshnet-check"u8.CopyTo(request.AsSpan(8));
        if (!v6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(request.AsSpan(2), Checksum(request)); // the kernel does ICMPv6's
        }

        var clock = Stopwatch.StartNew();
        try
        {
            socket.SendTo(request, new IPEndPoint(destination, 0));
        }
        catch (SocketException e)
        {
            return (null, $"cannot send to {destination}: {e.Message}");
        }

        var buffer = new byte[1500];
        while (clock.Elapsed < timeout)
        {
            socket.ReceiveTimeout = Math.Max(1, (int)(timeout - clock.Elapsed).TotalMilliseconds);
            int n;
            EndPoint from = new IPEndPoint(v6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
            try
            {
                n = socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.TimedOut)
            {
                break;
            }

            // An IPv4 raw socket hands over the IP header too; ICMPv6 starts at the message.
            var icmp = v6 ? buffer.AsSpan(0, n) : buffer.AsSpan((buffer[0] & 0x0f) * 4, n - ((buffer[0] & 0x0f) * 4));
            if (icmp.Length >= 8 && icmp[0] == (v6 ? 129 : 0) && BinaryPrimitives.ReadUInt16BigEndian(icmp[4..]) == id
                && ((IPEndPoint)from).Address.Equals(destination))
            {
                return (clock.Elapsed, null);
            }
        }

        var why = v6 ? null : NeighbourTable.FullReason();
        return (null, $"no echo reply from {destination} within {timeout.TotalSeconds:0.#} s{(why is null ? "" : $" ({why})")}");
    }

    private static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        for (var i = 0; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (data.Length % 2 == 1)
        {
            sum += (uint)data[^1] << 8;
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xffff) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
