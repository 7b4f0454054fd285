using Meshnet.Testing;
using Meshnet.Wire.Tap;

namespace Meshnet.Wire.Tests.Tap;

/// <summary>The relay's descriptor on a persistent TAP in a throwaway pod namespace.</summary>
public sealed class TapQueueTests : IDisposable
{
    private const string Name = "wt0";
    private readonly TempNetns? _pod;

    public TapQueueTests()
    {
        if (Cmd.IsRoot)
        {
            _pod = TempNetns.Create();
            _pod.Exec("ip", "tuntap", "add", "dev", Name, "mode", "tap").EnsureSuccess();
            _pod.Exec("ip", "addr", "add", "10.99.0.1/24", "dev", Name).EnsureSuccess();
            _pod.Exec("ip", "link", "set", Name, "up").EnsureSuccess();
        }
    }

    private TempNetns Pod => _pod ?? throw new InvalidOperationException(Cmd.NotRoot);

    [SkippableFact]
    public void Open_PersistentTap_CarrierOffUntilSet()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var tap = TapQueue.Open(Pod.Path, Name);

        Assert.Equal("0", Carrier());
        tap.SetCarrier(true);
        Assert.Equal("1", Carrier());
    }

    [SkippableFact]
    public void Dispose_CarrierOn_KernelDropsCarrier()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        var tap = TapQueue.Open(Pod.Path, Name);
        tap.SetCarrier(true);

        tap.Dispose();

        Assert.Equal("0", Carrier());
        Assert.Equal(0, Pod.Exec("ip", "link", "show", Name).ExitCode);
    }

    [SkippableFact]
    public void Open_MissingTap_ThrowsAndCreatesNothing()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);

        var e = Assert.Throws<WireSysException>(() => TapQueue.Open(Pod.Path, "nosuch0"));

        Assert.Contains("nosuch0", e.Message, StringComparison.Ordinal);
        Assert.NotEqual(0, Pod.Exec("ip", "link", "show", "nosuch0").ExitCode);
    }

    [SkippableFact]
    public void Open_ThisKernel_ChecksumAndTsoOffloadsAccepted()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var tap = TapQueue.Open(Pod.Path, Name);

        Assert.Equal(TapQueue.WantedOffloads, tap.Offloads);
        Assert.Equal(int.Parse(Pod.Exec("cat", $"/sys/class/net/{Name}/ifindex").Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture), tap.IfIndex);
    }

    [SkippableFact]
    public void Read_NothingSent_ReturnsZeroWithoutBlocking()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var tap = TapQueue.Open(Pod.Path, Name);

        Assert.Equal(0, tap.Read(new byte[TapQueue.MaxFrameSize]));
    }

    [SkippableFact]
    public async Task Read_PodArps_FrameWithVnetHeader()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var tap = TapQueue.Open(Pod.Path, Name);
        tap.SetCarrier(true);
        await Task.Delay(1500); // linkwatch turns the queue on a moment after the carrier

        Pod.Exec("ping", "-c1", "-W1", "10.99.0.2");
        var buffer = new byte[TapQueue.MaxFrameSize];
        int n;
        var frames = new List<byte[]>();
        while ((n = tap.Read(buffer)) > 0)
        {
            frames.Add(buffer[..n]);
        }

        Assert.Contains(frames, f => f.Length >= TapQueue.VnetHeaderSize + 42 && f[TapQueue.VnetHeaderSize + 12] == 0x08 && f[TapQueue.VnetHeaderSize + 13] == 0x06);
    }

    [SkippableFact]
    public void Write_Frame_PodReceivesIt()
    {
        Skip.IfNot(Cmd.IsRoot, Cmd.NotRoot);
        using var tap = TapQueue.Open(Pod.Path, Name);
        tap.SetCarrier(true);
        var before = RxPackets();
        var frame = new byte[TapQueue.VnetHeaderSize + 60];
        frame.AsSpan(TapQueue.VnetHeaderSize, 6).Fill(0xff);
        frame[TapQueue.VnetHeaderSize + 6] = 0x02;
        frame[TapQueue.VnetHeaderSize + 12] = 0x88;
        frame[TapQueue.VnetHeaderSize + 13] = 0xb5;

        Assert.True(tap.Write(frame));

        Assert.Equal(before + 1, RxPackets());
    }

    private string Carrier() => Pod.Exec("cat", $"/sys/class/net/{Name}/carrier").Stdout.Trim();

    private long RxPackets() => long.Parse(Pod.Exec("cat", $"/sys/class/net/{Name}/statistics/rx_packets").Stdout.Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose() => _pod?.Dispose();
}
