using System.Threading.Channels;
using Grpc.Core;
using Pdpb;

namespace ManagedKv.Node.Pd;

// Region heartbeats (TIKV-PD-BEHAVIOUR.md §2): one long-lived RegionHeartbeat stream per store to the PD leader. The
// store's leader peers enqueue reports; one sender task writes them on the stream; one receiver task per stream hands
// PD's answers (scheduling commands, or per-region errors) to the handler. A failed or ended stream is reopened (after
// leader discovery and backoff) when the next report is sent; reports written to a stream that then broke are lost,
// as in TiKV — the next periodic or event-driven heartbeat carries the region again. The queue is bounded and drops
// the oldest report when full.
public sealed partial class PdClient
{
    private const int HeartbeatQueueCapacity = 4096;

    private readonly Channel<RegionHeartbeatRequest> _heartbeatQueue;
    private Task _heartbeatLoop = Task.CompletedTask;
    private Action<RegionHeartbeatResponse>? _heartbeatHandler;
    private long _heartbeatsSent;
    private long _heartbeatStreamsOpened;
    private long _heartbeatHandlerErrors;

    /// <summary>Region heartbeats written to a stream so far.</summary>
    public long RegionHeartbeatsSent => Interlocked.Read(ref _heartbeatsSent);

    /// <summary>RegionHeartbeat streams opened so far (1 + reconnects).</summary>
    public long RegionHeartbeatStreamCount => Interlocked.Read(ref _heartbeatStreamsOpened);

    /// <summary>Exceptions thrown by the heartbeat handler (caught so the stream survives).</summary>
    public long RegionHeartbeatHandlerErrors => Interlocked.Read(ref _heartbeatHandlerErrors);

    /// <summary>
    /// Sets the callback receiving every RegionHeartbeatResponse (PD's scheduling commands and per-region errors). It
    /// runs on the stream's receiver task, one response at a time; it should hand work off rather than block.
    /// </summary>
    public void SetRegionHeartbeatHandler(Action<RegionHeartbeatResponse>? handler) => Volatile.Write(ref _heartbeatHandler, handler);

    /// <summary>
    /// Queues a region heartbeat (sent by the region's leader peer) onto the store's stream. The client sets the
    /// request's header; the caller must not change the request afterwards. Returns false once the client is disposed.
    /// </summary>
    public bool ReportRegionHeartbeat(RegionHeartbeatRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return _heartbeatQueue.Writer.TryWrite(request);
    }

    private async Task HeartbeatSendLoopAsync()
    {
        CancellationToken token = _disposeCts.Token;
        ChannelReader<RegionHeartbeatRequest> reader = _heartbeatQueue.Reader;
        AsyncDuplexStreamingCall<RegionHeartbeatRequest, RegionHeartbeatResponse>? call = null;
        Task receiver = Task.CompletedTask;
        PdLeader? callLeader = null;
        TimeSpan backoff = _options.InitialBackoff;
        try
        {
            while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                try
                {
                    PdLeader leader = Volatile.Read(ref _leader);
                    if (call is null || receiver.IsCompleted || !ReferenceEquals(callLeader, leader))
                    {
                        call?.Dispose();
                        call = leader.Client.RegionHeartbeat(cancellationToken: token);
                        callLeader = leader;
                        receiver = ReceiveHeartbeatsAsync(call, token);
                        Interlocked.Increment(ref _heartbeatStreamsOpened);
                    }

                    while (reader.TryPeek(out RegionHeartbeatRequest? request))
                    {
                        request.Header = Header;
                        await call.RequestStream.WriteAsync(request, token).ConfigureAwait(false);
                        reader.TryRead(out _);
                        Interlocked.Increment(ref _heartbeatsSent);
                    }

                    backoff = _options.InitialBackoff;
                }
                catch (Exception) when (!token.IsCancellationRequested)
                {
                    // The report being written stays queued (peeked, not read) and goes on the next stream.
                    call?.Dispose();
                    call = null;
                    await RefreshLeaderAsync(callLeader, token).ConfigureAwait(false);
                    await Task.Delay(backoff, token).ConfigureAwait(false);
                    backoff = NextBackoff(backoff);
                }
            }
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // Disposed.
        }
        finally
        {
            call?.Dispose();
            try
            {
                await receiver.ConfigureAwait(false);
            }
            catch (Exception) when (token.IsCancellationRequested)
            {
                // Ended by the disposal.
            }
        }
    }

    private async Task ReceiveHeartbeatsAsync(AsyncDuplexStreamingCall<RegionHeartbeatRequest, RegionHeartbeatResponse> call,
        CancellationToken token)
    {
        try
        {
            while (await call.ResponseStream.MoveNext(token).ConfigureAwait(false))
            {
                RegionHeartbeatResponse response = call.ResponseStream.Current;
                Action<RegionHeartbeatResponse>? handler = Volatile.Read(ref _heartbeatHandler);
                if (handler is null)
                {
                    continue;
                }

                try
                {
                    handler(response);
                }
                catch (Exception)
                {
                    // The handler's failure must not take the store's stream down.
                    Interlocked.Increment(ref _heartbeatHandlerErrors);
                }
            }
        }
        catch (Exception) when (!token.IsCancellationRequested)
        {
            // The stream broke; the sender notices (receiver completed) and reopens it with the next report.
        }
    }
}
