namespace Meshnet.Store.Kubernetes;

/// <summary>How the Kubernetes store talks to the API server.</summary>
public sealed record KubernetesStoreOptions
{
    /// <summary>
    /// Sustained requests per second this client may send. One daemon per node writes status for the pods of its node:
    /// a node taking 100 pods at once needs about 2 writes per pod (ADD status, then link status), i.e. 200 requests.
    /// 50/s with a burst of 100 (the kubelet's defaults since Kubernetes 1.27) lets that finish in about 2 s, while a
    /// 500-node cluster restarting every daemon at once stays well inside what API Priority and Fairness admits.
    /// client-go's default of 5/s with burst 10 would take 40 s for the same node.
    /// </summary>
    public double Qps { get; init; } = 50;

    /// <summary>Requests that may be sent at once before <see cref="Qps"/> applies (the token bucket's size).</summary>
    public int Burst { get; init; } = 100;

    /// <summary>
    /// How long the server keeps one watch request open before the store reconnects (from the last version it saw).
    /// Randomised up to twice this, as client-go's reflector does, so that daemons do not reconnect in step.
    /// </summary>
    public TimeSpan WatchTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Longest pause between reconnect attempts while the API server is unreachable.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts for a request the server rejected with 429 Too Many Requests (it honours Retry-After).</summary>
    public int MaxThrottledRetries { get; init; } = 5;

    /// <summary>The <c>source.component</c> of the Events the store records.</summary>
    public string EventSource { get; init; } = "meshnet";

    /// <summary>Host name recorded as the Events' <c>source.host</c> (the node).</summary>
    public string? EventHost { get; init; } = Environment.GetEnvironmentVariable("NODE_NAME");

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
