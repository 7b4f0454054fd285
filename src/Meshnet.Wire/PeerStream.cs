using System.Buffers;
using System.Net;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Meshnet.Protocol.V1;
using Microsoft.Extensions.Logging;

namespace Meshnet.Wire;

/// <summary>
/// One outgoing stream to a peer node: a queue of batches (bounded: <see cref="IsFull"/> makes readers drop) and of
/// Binds/Unbinds (few, never dropped while connected), and the loop that keeps the stream open — reconnecting with
/// a fast first retry and a short cap so a restarted peer gets its wires back within seconds — and writes the queue
/// to it. On every (re)connect it first binds every end that uses it, since the peer forgets all on a lost stream.
/// </summary>
internal sealed class PeerStream : IDisposable
{
    private readonly Channel<Outgoing> _queue = Channel.CreateUnbounded<Outgoing>(new UnboundedChannelOptions { SingleReader = true, AllowSynchronousContinuations = true });
    private readonly WireRelay _relay;
    private readonly IWireConnector _connector;
    private readonly WireRelayOptions _options;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private int _queuedBatches;
    private volatile bool _connected;
    private volatile string _downReason;
    private Task _run = Task.CompletedTask;

    public PeerStream(WireRelay relay, IWireConnector connector, WireRelayOptions options, ILogger logger, string peerNode, IPEndPoint endpoint, int index)
    {
        _relay = relay;
        _connector = connector;
        _options = options;
        _logger = logger;
        PeerNode = peerNode;
        Endpoint = endpoint;
        Index = index;
        _downReason = $"stream to node {peerNode} at {endpoint} not connected yet";
    }

    public string PeerNode { get; }

    public IPEndPoint Endpoint { get; }

    public int Index { get; }

    public bool Connected => _connected;

    /// <summary>True once <see cref="CloseAsync"/> was called: no end uses the stream any more.</summary>
    public bool Closed { get; private set; }

    public string DownReason => _downReason;

    /// <summary>True while the batch queue is at its bound: new frames for this stream are dropped by the reader.</summary>
    public bool IsFull => Volatile.Read(ref _queuedBatches) >= _options.QueuedBatchesPerStream;

    /// <summary>Frames lost because their batch was queued when the stream failed.</summary>
    public long LostFrames;

    public void Start() => _run = Task.Run(RunAsync);

    /// <summary>
    /// The peer just showed it is alive (it bound an end over its own stream to us): if this stream is waiting to
    /// reconnect, it tries now instead of at the end of its backoff, so a restarted peer gets its wires back at once.
    /// </summary>
    public void Nudge()
    {
        if (!_connected && _nudge.CurrentCount == 0)
        {
            _nudge.Release();
        }
    }

    /// <summary>Queues a batch (ownership of the pooled <paramref name="buffer"/> passes to the stream).</summary>
    public void EnqueueBatch(byte[] buffer, int length, int frames)
    {
        Interlocked.Increment(ref _queuedBatches);
        if (!_queue.Writer.TryWrite(new Outgoing(buffer, length, frames, null, null)))
        {
            Interlocked.Decrement(ref _queuedBatches);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void EnqueueBind(WireBind bind)
    {
        if (_connected)
        {
            _queue.Writer.TryWrite(new Outgoing(null, 0, 0, bind, null));
        }
    }

    public void EnqueueUnbind(WireUnbind unbind)
    {
        if (_connected)
        {
            _queue.Writer.TryWrite(new Outgoing(null, 0, 0, null, unbind));
        }
    }

    /// <summary>Sends what is queued, then closes the stream (no more ends use it).</summary>
    public async Task CloseAsync(TimeSpan grace)
    {
        Closed = true;
        _queue.Writer.TryComplete();
        if (await Task.WhenAny(_run, Task.Delay(grace)) != _run)
        {
            await _stop.CancelAsync();
        }

        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
        }

        Dispose();
    }

    public void Dispose()
    {
        _stop.Dispose();
        _nudge.Dispose();
    }

    private async Task RunAsync()
    {
        var delay = _options.FirstReconnectDelay;
        while (!_stop.IsCancellationRequested)
        {
            var finished = false;
            try
            {
                finished = await ConnectAndSendAsync();
                delay = _options.FirstReconnectDelay;
            }
            catch (Exception e) when (!_stop.IsCancellationRequested)
            {
                var reason = e switch
                {
                    RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
                    OperationCanceledException => "the peer closed the stream",
                    _ => e.Message,
                };
                if (_connected || _downReason != Describe(reason))
                {
                    WireLog.StreamFailed(_logger, PeerNode, Endpoint, Index, reason);
                }

                _downReason = Describe(reason);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                // Closing: whatever the call threw on its way down is expected.
            }
            finally
            {
                SetConnected(false);
            }

            if (finished || _stop.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await _nudge.WaitAsync(delay, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    private string Describe(string reason) => $"stream to node {PeerNode} at {Endpoint} down: {reason}";

    /// <summary>One connection's life; true when the queue was completed (closed on purpose).</summary>
    private async Task<bool> ConnectAndSendAsync()
    {
        using var call = _connector.Open(PeerNode, Endpoint, _stop.Token);
        using var lost = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        await call.ResponseHeadersAsync.WaitAsync(_options.ConnectTimeout, lost.Token);
        var watch = WatchResponsesAsync(call, lost);

        // Connected first, then the snapshot of Binds: an end attached in between is bound twice, never not at all.
        SetConnected(true);
        var binds = new WireMessage();
        binds.Binds.AddRange(_relay.BindsFor(this));
        await call.RequestStream.WriteAsync(binds, lost.Token);
        WireLog.StreamConnected(_logger, PeerNode, Endpoint, Index, binds.Binds.Count);

        var reader = _queue.Reader;
        var control = new WireMessage();
        while (await reader.WaitToReadAsync(lost.Token))
        {
            while (reader.TryRead(out var item))
            {
                if (item.Buffer is { } buffer)
                {
                    if (control.Binds.Count + control.Unbinds.Count > 0)
                    {
                        await call.RequestStream.WriteAsync(control, lost.Token);
                        control = new WireMessage();
                    }

                    Interlocked.Decrement(ref _queuedBatches);
                    try
                    {
                        await call.RequestStream.WriteAsync(new WireMessage { Frames = UnsafeByteOperations.UnsafeWrap(buffer.AsMemory(0, item.Length)) }, lost.Token);
                    }
                    catch
                    {
                        Interlocked.Add(ref LostFrames, item.Frames);
                        throw;
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                    }
                }
                else
                {
                    // A message's Unbinds are applied before its Binds; keep the queue's order by starting a new
                    // message when an Unbind follows a Bind (an end attached then detached must end unbound).
                    if (item.Unbind is not null && control.Binds.Count > 0)
                    {
                        await call.RequestStream.WriteAsync(control, lost.Token);
                        control = new WireMessage();
                    }

                    if (item.Bind is { } bind)
                    {
                        control.Binds.Add(bind);
                    }
                    else if (item.Unbind is { } unbind)
                    {
                        control.Unbinds.Add(unbind);
                    }
                }
            }

            if (control.Binds.Count + control.Unbinds.Count > 0)
            {
                await call.RequestStream.WriteAsync(control, lost.Token);
                control = new WireMessage();
            }
        }

        // Closing on purpose: the peer ends its side once it has read everything (cancelling the call instead could
        // discard the last Unbinds in flight).
        await call.RequestStream.CompleteAsync();
        await watch.WaitAsync(_options.ConnectTimeout, _stop.Token);
        return true;
    }

    /// <summary>The response direction carries nothing; its end (or failure) means the peer is gone.</summary>
    private static async Task WatchResponsesAsync(AsyncDuplexStreamingCall<WireMessage, WireMessage> call, CancellationTokenSource lost)
    {
        try
        {
            while (await call.ResponseStream.MoveNext(lost.Token))
            {
            }
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or IOException)
        {
        }
        finally
        {
            if (!lost.IsCancellationRequested)
            {
                await lost.CancelAsync();
            }
        }
    }

    private void SetConnected(bool connected)
    {
        if (_connected == connected)
        {
            return;
        }

        _connected = connected;
        if (!connected)
        {
            DropQueued();
        }

        _relay.OnStreamChanged(this);
    }

    /// <summary>Frees what was queued for a stream that is gone (its frames count as lost; Binds are resent on connect).</summary>
    private void DropQueued()
    {
        while (_queue.Reader.TryRead(out var item))
        {
            if (item.Buffer is { } buffer)
            {
                Interlocked.Decrement(ref _queuedBatches);
                Interlocked.Add(ref LostFrames, item.Frames);
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private readonly record struct Outgoing(byte[]? Buffer, int Length, int Frames, WireBind? Bind, WireUnbind? Unbind);
}
