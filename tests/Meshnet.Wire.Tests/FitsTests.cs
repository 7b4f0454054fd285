using Meshnet.Wire.Tap;

namespace Meshnet.Wire.Tests;

/// <summary>Which frames a receiving end accepts: header + Ethernet at least; plain frames within MTU; GSO up to 64 KiB.</summary>
public sealed class FitsTests
{
    [Theory]
    [InlineData(1500 + 14 + 4, true)]
    [InlineData(1500 + 14 + 5, false)]
    [InlineData(14, true)]
    [InlineData(13, false)]
    public void Fits_PlainFrame_AgainstMtu(int ethernetLength, bool fits) =>
        Assert.Equal(fits, WireRelay.Fits(new byte[TapQueue.VnetHeaderSize + ethernetLength], 1500));

    [Fact]
    public void Fits_GsoSuperFrame_UpTo64KiB()
    {
        var frame = new byte[TapQueue.MaxFrameSize];
        frame[1] = 1; // VIRTIO_NET_HDR_GSO_TCPV4

        Assert.True(WireRelay.Fits(frame, 1500));
    }

    [Fact]
    public void Fits_LargerThan64KiB_Refused()
    {
        var frame = new byte[TapQueue.MaxFrameSize + 1];
        frame[1] = 1;

        Assert.False(WireRelay.Fits(frame, 9000));
    }
}
