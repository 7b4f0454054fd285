using Meshnet.Testing;

namespace Meshnet.Netlink.Tests;

/// <summary>AF_PACKET sockets on one interface and ethertype, across a real veth between two namespaces.</summary>
public sealed class PacketSocketTests
{
    private const ushort Experimental = 0x88B5;

    private static (PacketSocket A, PacketSocket B) OpenPair(TempNetns a, TempNetns b)
    {
        Cmd.Run("ip", "-n", a.Name, "link", "add", "pa", "type", "veth", "peer", "name", "pb", "netns", b.Name).EnsureSuccess();
        Cmd.Run("ip", "-n", a.Name, "link", "set", "pa", "up").EnsureSuccess();
        Cmd.Run("ip", "-n", b.Name, "link", "set", "pb", "up").EnsureSuccess();
        using var nsA = NetNs.Open(a.Name);
        using var nsB = NetNs.Open(b.Name);
        var sa = nsA.Run(() => PacketSocket.Open(NetlinkHandle.Open(nsA).LinkByName("pa").Index, Experimental));
        var sb = nsB.Run(() => PacketSocket.Open(NetlinkHandle.Open(nsB).LinkByName("pb").Index, Experimental));
        return (sa, sb);
    }

    private static byte[] Frame(byte marker)
    {
        var frame = new byte[60];
        Array.Fill(frame, (byte)0xff, 0, 6);
        frame[6] = 0x02; // locally administered source
        frame[12] = Experimental >> 8;
        frame[13] = Experimental & 0xff;
        frame[14] = marker;
        return frame;
    }

    [SkippableFact]
    public void Send_FrameOutOfOneEnd_IsReceivedAtTheOther()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var a = TempNetns.Create();
        using var b = TempNetns.Create();
        var (sa, sb) = OpenPair(a, b);
        using (sa)
        using (sb)
        {
            sa.Send(Frame(42));

            var buffer = new byte[2048];
            var n = sb.Receive(buffer, TimeSpan.FromSeconds(5));

            Assert.Equal(60, n);
            Assert.Equal(42, buffer[14]);
        }
    }

    [SkippableFact]
    public void Receive_NothingSent_ReturnsZeroAfterTheTimeout()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var a = TempNetns.Create();
        using var b = TempNetns.Create();
        var (sa, sb) = OpenPair(a, b);
        using (sa)
        using (sb)
        {
            Assert.Equal(0, sb.Receive(new byte[2048], TimeSpan.FromMilliseconds(200)));
        }
    }

    [SkippableFact]
    public void Receive_InterfaceWentDown_ThrowsNetworkDown()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var a = TempNetns.Create();
        using var b = TempNetns.Create();
        var (sa, sb) = OpenPair(a, b);
        using (sa)
        using (sb)
        {
            Cmd.Run("ip", "-n", b.Name, "link", "set", "pb", "down").EnsureSuccess();

            var e = Assert.Throws<NetlinkException>(() => sb.Receive(new byte[2048], TimeSpan.FromSeconds(2)));

            Assert.Equal(100, e.Errno); // ENETDOWN: the kernel tells a bound packet socket its device went down
        }
    }
}
