using System.Threading.RateLimiting;

namespace Meshnet.Store.Kubernetes;

/// <summary>
/// Client-side rate limit in front of every API request (the role client-go's QPS/Burst play): a token bucket of
/// <c>burst</c> tokens refilled at <c>qps</c> per second. A request waits for a token instead of failing, so a
/// burst of pods starting at once is smoothed rather than rejected.
/// </summary>
internal sealed class ClientRateLimitHandler : DelegatingHandler
{
    private readonly TokenBucketRateLimiter _limiter;

    public ClientRateLimitHandler(double qps, int burst)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(qps, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        // Refill often (every 1/qps s when that is at least 10 ms) so waiting requests are released smoothly.
        var period = TimeSpan.FromSeconds(Math.Max(1 / qps, 0.01));
        _limiter = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = burst,
            TokensPerPeriod = Math.Max(1, (int)Math.Round(qps * period.TotalSeconds)),
            ReplenishmentPeriod = period,
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        });
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var lease = await _limiter.AcquireAsync(1, cancellationToken);
        return await base.SendAsync(request, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _limiter.Dispose();
        }

        base.Dispose(disposing);
    }
}
