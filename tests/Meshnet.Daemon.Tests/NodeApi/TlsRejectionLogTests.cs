using System.Net;
using Meshnet.Daemon.NodeApi;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Meshnet.Daemon.Tests.NodeApi;

public sealed class TlsRejectionLogTests : IDisposable
{
    private static readonly IPEndPoint Peer = new(IPAddress.Parse("192.0.2.7"), 40000);

    private readonly FakeTimeProvider _time = new();
    private readonly LogCapture _logs = new();
    private readonly TlsRejectionLog _log;

    public TlsRejectionLogTests()
    {
        using var factory = LoggerFactory.Create(b => b.AddProvider(_logs));
        _log = new TlsRejectionLog(factory.CreateLogger<TlsRejectionLog>(), _time);
    }

    public void Dispose() => _logs.Dispose();

    [Fact]
    public void Refused_SamePeerManyTimesWithinInterval_LogsOnce()
    {
        for (var i = 0; i < 50; i++)
        {
            _log.Refused(Peer, "no client certificate was presented");
        }

        Assert.Single(_logs.Lines);
    }

    [Fact]
    public void Refused_SamePeerAfterInterval_LogsAgainWithTheSuppressedCount()
    {
        for (var i = 0; i < 5; i++)
        {
            _log.Refused(Peer, "no client certificate was presented");
        }

        _time.Advance(TlsRejectionLog.Interval);
        _log.Refused(Peer, "no client certificate was presented");

        Assert.Equal(2, _logs.Lines.Count);
        Assert.Contains("(4 more refusals", _logs.Lines.Last().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Refused_DifferentPeers_EachLogged()
    {
        _log.Refused(Peer, "no client certificate was presented");
        _log.Refused(new IPEndPoint(IPAddress.Parse("192.0.2.8"), 40000), "no client certificate was presented");

        Assert.Collection(_logs.Lines,
            l => Assert.Contains("from 192.0.2.7:40000:", l.Message, StringComparison.Ordinal),
            l => Assert.Contains("from 192.0.2.8:40000:", l.Message, StringComparison.Ordinal));
    }
}
