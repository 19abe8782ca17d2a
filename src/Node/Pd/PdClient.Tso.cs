using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Pdpb;

namespace ManagedKv.Node.Pd;

// TSO batching (TIKV-PD-BEHAVIOUR.md §6, as client-go's and client-rust's dispatchers): callers enqueue a pooled
// waiter; one dispatcher task takes every waiter queued (up to MaxTsoBatch), sends ONE TsoRequest with count = number
// of waiters on the long-lived Tso stream, and splits the answer — PD's largest timestamp of the block — back into
// logical − count + 1 … logical, in queue order. One request is in flight at a time, so callers arriving meanwhile
// form the next batch. A broken stream fails the batch in flight with a retryable PdException; the stream reopens
// (after leader discovery and backoff) for the next batch.
public sealed partial class PdClient
{
    private const int LogicalBits = 18;

    private readonly Channel<TsoWaiter> _tsoQueue;
    private readonly ConcurrentQueue<TsoWaiter> _waiterPool = new();
    private Task _tsoLoop = Task.CompletedTask;
    private long _tsoRequests;
    private long _tsoStreamsOpened;

    /// <summary>TsoRequests sent so far (each serves a whole batch of callers).</summary>
    public long TsoRequestCount => Interlocked.Read(ref _tsoRequests);

    /// <summary>Tso streams opened so far (1 + reconnects).</summary>
    public long TsoStreamCount => Interlocked.Read(ref _tsoStreamsOpened);

    /// <summary>Composes a TSO timestamp: physical milliseconds &lt;&lt; 18 | logical.</summary>
    public static ulong ComposeTimestamp(long physical, long logical) => ((ulong)physical << LogicalBits) | (ulong)logical;

    /// <summary>The physical milliseconds of a TSO timestamp.</summary>
    public static long PhysicalOf(ulong timestamp) => (long)(timestamp >> LogicalBits);

    /// <summary>
    /// A new timestamp from PD's TSO, unique and greater than every timestamp handed out before it completed. Callers
    /// are batched into one stream request. Await the result exactly once (it is a pooled value task).
    /// </summary>
    /// <exception cref="PdException">The stream failed while the request was in flight (<see cref="PdException.Retryable"/>), or PD refused it.</exception>
    /// <exception cref="ObjectDisposedException">The client was disposed.</exception>
    public ValueTask<ulong> GetTimestampAsync()
    {
        if (!_waiterPool.TryDequeue(out TsoWaiter? waiter))
        {
            waiter = new TsoWaiter(this);
        }

        ValueTask<ulong> task = waiter.Task;
        if (!_tsoQueue.Writer.TryWrite(waiter))
        {
            waiter.SetException(new ObjectDisposedException(nameof(PdClient)));
        }

        return task;
    }

    internal void ReturnWaiter(TsoWaiter waiter) => _waiterPool.Enqueue(waiter);

    private void StartBackgroundLoops()
    {
        _tsoLoop = Task.Run(TsoLoopAsync);
        _heartbeatLoop = Task.Run(HeartbeatSendLoopAsync);
    }

    private void FailQueuedWaiters(Exception error)
    {
        while (_tsoQueue.Reader.TryRead(out TsoWaiter? waiter))
        {
            waiter.SetException(error);
        }
    }

    private async Task TsoLoopAsync()
    {
        CancellationToken token = _disposeCts.Token;
        ChannelReader<TsoWaiter> reader = _tsoQueue.Reader;
        var batch = new List<TsoWaiter>();
        var request = new TsoRequest();
        AsyncDuplexStreamingCall<TsoRequest, TsoResponse>? call = null;
        PdLeader? callLeader = null;
        TimeSpan backoff = _options.InitialBackoff;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                batch.Clear();
                while (batch.Count < _options.MaxTsoBatch && reader.TryRead(out TsoWaiter? waiter))
                {
                    batch.Add(waiter);
                }

                try
                {
                    PdLeader leader = Volatile.Read(ref _leader);
                    if (call is null || !ReferenceEquals(callLeader, leader))
                    {
                        call?.Dispose();
                        call = leader.Client.Tso(cancellationToken: token);
                        callLeader = leader;
                        Interlocked.Increment(ref _tsoStreamsOpened);
                    }

                    request.Header = Header;
                    request.Count = (uint)batch.Count;
                    await call.RequestStream.WriteAsync(request, token).ConfigureAwait(false);
                    Interlocked.Increment(ref _tsoRequests);
                    if (!await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
                    {
                        throw new RpcException(new Status(StatusCode.Unavailable, "PD closed the Tso stream"));
                    }

                    CompleteBatch(batch, call.ResponseStream.Current);
                    backoff = _options.InitialBackoff;
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    call?.Dispose();
                    call = null;
                    PdException error = e switch
                    {
                        RpcException rpc => Wrap(rpc),
                        PdException pd => pd,
                        _ => new PdException(StatusCode.Unavailable, "Tso stream failed: " + e.Message, retryable: true, e),
                    };
                    FailBatch(batch, error);
                    try
                    {
                        await RefreshLeaderAsync(callLeader, token).ConfigureAwait(false);
                        await Task.Delay(backoff, token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (token.IsCancellationRequested)
                    {
                        break;
                    }

                    backoff = NextBackoff(backoff);
                }
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // Disposed: the stream's calls end by cancellation.
        }
        finally
        {
            call?.Dispose();
            var disposed = new ObjectDisposedException(nameof(PdClient));
            FailBatch(batch, disposed);
            FailQueuedWaiters(disposed);
        }
    }

    private static void CompleteBatch(List<TsoWaiter> batch, TsoResponse response)
    {
        if (response.Header?.Error is { Type: not ErrorType.Ok } error)
        {
            FailBatch(batch, new PdException(error.Type, error.Message));
            return;
        }

        int count = batch.Count;
        if (response.Count != (uint)count || response.Timestamp is null || response.Timestamp.Logical < count - 1
            || response.Timestamp.Logical >= 1L << LogicalBits || response.Timestamp.Physical < 0)
        {
            throw new PdException(StatusCode.Internal,
                $"bad TsoResponse for count {count}: count {response.Count}, timestamp {response.Timestamp}", retryable: true, null);
        }

        ulong first = ComposeTimestamp(response.Timestamp.Physical, response.Timestamp.Logical - count + 1);
        for (int i = 0; i < count; i++)
        {
            batch[i].SetResult(first + (ulong)i);
        }

        batch.Clear();
    }

    private static void FailBatch(List<TsoWaiter> batch, Exception error)
    {
        foreach (TsoWaiter waiter in batch)
        {
            waiter.SetException(error);
        }

        batch.Clear();
    }
}
