using System.Diagnostics;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using ManagedKv.Raft;
using Mkvraft;

namespace ManagedKv.Node.Transport;

/// <summary>
/// The outgoing side of one target store: a bounded queue of encoded messages and one sender task that keeps a single
/// long-lived <c>RaftTransport.Send</c> client stream open and flushes whatever is queued as <c>RaftBatch</c>es.
/// <para>Threads: <see cref="Enqueue"/> from any thread (the raft pool); everything else runs on the sender task,
/// one step at a time. Double buffering: producers append to the queue buffers under <see cref="_queueLock"/>; the
/// sender swaps them with its own (empty) buffers and writes from those without the lock. Steady state allocates
/// nothing but one <see cref="ByteString"/> wrapper per message: buffers grow by doubling and are kept, the
/// envelopes and the batch are reused (Grpc.Net.Client serializes a message before its write completes).</para>
/// <para>Failure: a failed connection or write drops what was being sent, forgets the store's address (the resolver
/// is asked again), waits a doubling backoff, then drops what was queued meanwhile (Raft retransmits; stale
/// messages are worthless). The next message queued triggers the next attempt.</para>
/// </summary>
internal sealed class StoreConnection
{
    private readonly ulong _storeId;
    private readonly ulong _fromStoreId;
    private readonly IStoreAddressResolver _resolver;
    private readonly GrpcRaftTransportOptions _options;
    private readonly CancellationToken _stopToken;

    // Guards _queueBytes, _queueLength, _queueRecords, _queueCount. Leaf lock: held only to append or swap.
    private readonly object _queueLock = new();
    private byte[] _queueBytes = new byte[4096];
    private int _queueLength;
    private QueuedMessage[] _queueRecords = new QueuedMessage[64];
    private int _queueCount;

    // Sender-task state.
    private readonly SemaphoreSlim _signal = new(0);
    private int _wake; // 1 while a wake-up is pending (the semaphore was released and not yet consumed)
    private byte[] _sendBytes = new byte[4096];
    private QueuedMessage[] _sendRecords = new QueuedMessage[64];
    private readonly RaftBatch _batch = new();
    private readonly List<RaftEnvelope> _envelopes = [];
    private GrpcChannel? _channel;
    private string? _address;
    private AsyncClientStreamingCall<RaftBatch, RaftDone>? _call;
    private TimeSpan _backoff;

    private long _sent;
    private long _dropped;
    private long _batches;
    private long _bytes;
    private long _connects;
    private long _failures;

    public StoreConnection(ulong storeId, ulong fromStoreId, IStoreAddressResolver resolver, GrpcRaftTransportOptions options,
        CancellationToken stopToken)
    {
        _storeId = storeId;
        _fromStoreId = fromStoreId;
        _resolver = resolver;
        _options = options;
        _stopToken = stopToken;
        _backoff = options.InitialBackoff;
        SenderTask = Task.Run(RunAsync);
    }

    /// <summary>Completes when the sender stopped (after the owner's stop token was cancelled).</summary>
    public Task SenderTask { get; }

    public RaftTransportStats Stats => new(Interlocked.Read(ref _sent), Interlocked.Read(ref _dropped), Interlocked.Read(ref _batches),
        Interlocked.Read(ref _bytes), Interlocked.Read(ref _connects), Interlocked.Read(ref _failures));

    /// <summary>Encodes <paramref name="message"/> into the queue, or drops it (counted) when the queue is full.</summary>
    public void Enqueue(ulong regionId, Message message)
    {
        int length = MessageCodec.GetEncodedLength(message);
        lock (_queueLock)
        {
            if (_queueCount >= _options.MaxQueuedMessages || (long)_queueLength + length > _options.MaxQueuedBytes)
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            if (_queueBytes.Length - _queueLength < length)
            {
                Array.Resize(ref _queueBytes, Math.Max(_queueBytes.Length * 2, _queueLength + length));
            }

            if (_queueCount == _queueRecords.Length)
            {
                Array.Resize(ref _queueRecords, _queueRecords.Length * 2);
            }

            int written = MessageCodec.Encode(message, _queueBytes.AsSpan(_queueLength));
            _queueRecords[_queueCount++] = new QueuedMessage(regionId, _queueLength, written);
            _queueLength += written;
        }

        if (Interlocked.Exchange(ref _wake, 1) == 0)
        {
            _signal.Release();
        }
    }

    /// <summary>Takes the queue into the send buffers (whose old contents were sent); returns the message count.</summary>
    private int TakeQueued()
    {
        lock (_queueLock)
        {
            (_queueBytes, _sendBytes) = (_sendBytes, _queueBytes);
            (_queueRecords, _sendRecords) = (_sendRecords, _queueRecords);
            int count = _queueCount;
            _queueCount = 0;
            _queueLength = 0;
            return count;
        }
    }

    private async Task RunAsync()
    {
        try
        {
            while (true)
            {
                await _signal.WaitAsync(_stopToken).ConfigureAwait(false);
                Volatile.Write(ref _wake, 0);
                int count = TakeQueued();
                if (count == 0)
                {
                    continue;
                }

                try
                {
                    if (_call is null)
                    {
                        await ConnectAsync().ConfigureAwait(false);
                    }

                    await WriteAsync(count).ConfigureAwait(false);
                    _backoff = _options.InitialBackoff;
                }
                catch (Exception) when (!_stopToken.IsCancellationRequested)
                {
                    // Whatever was not written is lost; WriteAsync counted what it wrote.
                    Interlocked.Increment(ref _failures);
                    Disconnect(forgetAddress: true);
                    await Task.Delay(_backoff, _stopToken).ConfigureAwait(false);
                    _backoff = _backoff * 2 < _options.MaxBackoff ? _backoff * 2 : _options.MaxBackoff;
                    Volatile.Write(ref _wake, 0);
                    Interlocked.Add(ref _dropped, TakeQueued());
                    // A wake-up released during the wait is still in the semaphore: its messages were just dropped,
                    // so the next round finds an empty queue and waits again.
                }
            }
        }
        catch (OperationCanceledException) when (_stopToken.IsCancellationRequested)
        {
        }
        catch (Exception) when (_stopToken.IsCancellationRequested)
        {
            // A write aborted by shutdown.
        }
        finally
        {
            Interlocked.Add(ref _dropped, TakeQueued());
            await CloseAsync().ConfigureAwait(false);
        }
    }

    private async Task ConnectAsync()
    {
        string address = await _resolver.ResolveAsync(_storeId, _stopToken).ConfigureAwait(false);
        if (_channel is null || _address != address)
        {
            _channel?.Dispose();
            _channel = null;
            _channel = GrpcChannel.ForAddress("http://" + address, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    ConnectTimeout = _options.ConnectTimeout,
                    KeepAlivePingDelay = _options.KeepAlivePingDelay,
                    KeepAlivePingTimeout = _options.KeepAlivePingDelay,
                    KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                    EnableMultipleHttp2Connections = false,
                },
                MaxSendMessageSize = null,
            });
            _address = address;
        }

        var client = new RaftTransport.RaftTransportClient(_channel);
        _call = client.Send(cancellationToken: _stopToken);
        // The server answers only when the stream ends (refusal or shutdown); observe that so no fault goes unobserved.
        _ = _call.ResponseAsync.ContinueWith(static t => _ = t.Exception, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        Interlocked.Increment(ref _connects);
    }

    private async Task WriteAsync(int count)
    {
        Debug.Assert(_call is not null);
        int next = 0;
        while (next < count)
        {
            _batch.Messages.Clear();
            int bytes = 0;
            int first = next;
            while (next < count)
            {
                QueuedMessage q = _sendRecords[next];
                if (next > first && bytes + q.Length > _options.MaxBatchBytes)
                {
                    break;
                }

                RaftEnvelope envelope = Envelope(next - first);
                envelope.RegionId = q.RegionId;
                envelope.Message = UnsafeByteOperations.UnsafeWrap(_sendBytes.AsMemory(q.Offset, q.Length));
                _batch.Messages.Add(envelope);
                bytes += q.Length;
                next++;
            }

            try
            {
                await _call.RequestStream.WriteAsync(_batch, _stopToken).ConfigureAwait(false);
            }
            catch
            {
                Interlocked.Add(ref _dropped, count - first);
                throw;
            }

            Interlocked.Add(ref _sent, next - first);
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _bytes, bytes);
        }
    }

    private RaftEnvelope Envelope(int i)
    {
        if (i == _envelopes.Count)
        {
            _envelopes.Add(new RaftEnvelope { FromStore = _fromStoreId, ToStore = _storeId });
        }

        return _envelopes[i];
    }

    private void Disconnect(bool forgetAddress)
    {
        _call?.Dispose();
        _call = null;
        if (forgetAddress)
        {
            _resolver.Invalidate(_storeId);
            _channel?.Dispose();
            _channel = null;
            _address = null;
        }
    }

    private async Task CloseAsync()
    {
        if (_call is not null)
        {
            try
            {
                await _call.RequestStream.CompleteAsync().WaitAsync(TimeSpan.FromSeconds(1)).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The stream may already be broken or cancelled; the call is disposed below either way.
            }
        }

        Disconnect(forgetAddress: false);
        _channel?.Dispose();
        _channel = null;
        // _signal is not disposed: a late Enqueue may still release it (it holds no wait handle).
    }
}
