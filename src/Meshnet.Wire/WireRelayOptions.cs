namespace Meshnet.Wire;

/// <summary>Tuning of the relay; the defaults suit a node with a few cores and up to thousands of wires.</summary>
public sealed record WireRelayOptions
{
    /// <summary>Epoll loops (dedicated threads) reading every TAP of the node.</summary>
    public int Loops { get; init; } = 1;

    /// <summary>Streams per peer node; a wire always uses the same one, so its frames are never reordered.</summary>
    public int StreamsPerPeer { get; init; } = 2;

    /// <summary>
    /// Size of one batch (one message): below the large-object threshold so that the receiver's copy of it is a
    /// short-lived gen-0 buffer; it holds a 64 KiB super-frame, or about 50 frames of 1500 bytes.
    /// </summary>
    public int BatchBytes { get; init; } = 80 * 1024;

    /// <summary>Batches queued per stream before new frames are dropped (and counted): the memory bound per stream.</summary>
    public int QueuedBatchesPerStream { get; init; } = 64;

    /// <summary>Frames read from one TAP per readiness event before the loop serves the others (fairness).</summary>
    public int ReadBudget { get; init; } = 64;

    /// <summary>First reconnect delay after a stream fails; doubled per failure up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan FirstReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Longest reconnect delay: a restarted peer gets its streams back at most this long after it listens (sooner
    /// when its own streams reach us first: its Binds cut the wait short).
    /// </summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a stream may take to open (TLS handshake and response headers).</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    internal void Validate()
    {
        if (Loops is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(Loops), Loops, "WireRelayOptions.Loops must be 1 to 16.");
        }

        if (StreamsPerPeer is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(StreamsPerPeer), StreamsPerPeer, "WireRelayOptions.StreamsPerPeer must be 1 to 16.");
        }

        if (BatchBytes < Tap.TapQueue.MaxFrameSize + FrameBatch.RecordHeaderSize)
        {
            throw new ArgumentOutOfRangeException(nameof(BatchBytes), BatchBytes, "WireRelayOptions.BatchBytes must hold one 64 KiB frame.");
        }

        if (QueuedBatchesPerStream < 1 || ReadBudget < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(QueuedBatchesPerStream), "WireRelayOptions.QueuedBatchesPerStream and ReadBudget must be positive.");
        }
    }
}
