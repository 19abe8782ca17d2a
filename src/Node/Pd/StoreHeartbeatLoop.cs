using Pdpb;

namespace ManagedKv.Node.Pd;

/// <summary>
/// Sends this store's StoreHeartbeat every interval (TiKV's <c>pd-store-heartbeat-tick-interval</c>, 10 s; PD marks a
/// store silent for 20 s "disconnected"): asks the caller's provider for the current <see cref="StoreStats"/>, fills in
/// the store id, interval and start time, sends, hands PD's answer to an optional callback. A failed heartbeat is
/// counted and kept in <see cref="LastError"/>; the loop goes on. One background task; dispose (or cancel the token
/// given to <see cref="Start"/>) to stop it.
/// </summary>
public sealed class StoreHeartbeatLoop : IAsyncDisposable
{
    private readonly PdClient _pd;
    private readonly ulong _storeId;
    private readonly Func<StoreStats> _stats;
    private readonly Action<StoreHeartbeatResponse>? _onResponse;
    private readonly CancellationTokenSource _cts;
    private readonly uint _startTime;
    private Task _loop = Task.CompletedTask;
    private long _sent;
    private long _failures;
    private Exception? _lastError;

    private StoreHeartbeatLoop(PdClient pd, ulong storeId, Func<StoreStats> stats, Action<StoreHeartbeatResponse>? onResponse,
        CancellationToken cancellationToken)
    {
        _pd = pd;
        _storeId = storeId;
        _stats = stats;
        _onResponse = onResponse;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _startTime = (uint)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    }

    /// <summary>Heartbeats PD answered.</summary>
    public long HeartbeatsSent => Interlocked.Read(ref _sent);

    /// <summary>Heartbeats that failed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    /// <summary>The last failure, or null.</summary>
    public Exception? LastError => Volatile.Read(ref _lastError);

    /// <summary>
    /// Starts the loop: a heartbeat at once, then every <paramref name="interval"/> (&gt; 0; TiKV: 10 s).
    /// <paramref name="stats"/> is called on the loop's task before each heartbeat and must return a new
    /// <see cref="StoreStats"/> (capacity/available, e.g. from <see cref="FillDiskStats"/>, region count, …).
    /// </summary>
    public static StoreHeartbeatLoop Start(PdClient pd, ulong storeId, Func<StoreStats> stats, TimeSpan interval,
        Action<StoreHeartbeatResponse>? onResponse = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pd);
        ArgumentNullException.ThrowIfNull(stats);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        var loop = new StoreHeartbeatLoop(pd, storeId, stats, onResponse, cancellationToken);
        loop._loop = Task.Run(() => loop.RunAsync(interval));
        return loop;
    }

    /// <summary>Sets <c>capacity</c>, <c>available</c> and <c>used_size</c> from the file system holding <paramref name="dataDir"/>.</summary>
    public static void FillDiskStats(StoreStats stats, string dataDir, long usedBytes)
    {
        ArgumentNullException.ThrowIfNull(stats);
        var drive = new DriveInfo(Path.GetFullPath(dataDir));
        stats.Capacity = (ulong)drive.TotalSize;
        stats.Available = (ulong)drive.AvailableFreeSpace;
        stats.UsedSize = (ulong)Math.Max(0, usedBytes);
    }

    /// <summary>Stops the loop and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        await _loop.ConfigureAwait(false);
        _cts.Dispose();
    }

    private async Task RunAsync(TimeSpan interval)
    {
        CancellationToken token = _cts.Token;
        using var timer = new PeriodicTimer(interval);
        ulong last = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        try
        {
            do
            {
                try
                {
                    StoreStats stats = _stats();
                    ulong now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                    stats.StoreId = _storeId;
                    stats.StartTime = _startTime;
                    stats.Interval = new TimeInterval { StartTimestamp = last, EndTimestamp = now };
                    last = now;
                    StoreHeartbeatResponse response = await _pd.StoreHeartbeatAsync(stats, token).ConfigureAwait(false);
                    Interlocked.Increment(ref _sent);
                    _onResponse?.Invoke(response);
                }
                catch (Exception e) when (!token.IsCancellationRequested)
                {
                    Interlocked.Increment(ref _failures);
                    Volatile.Write(ref _lastError, e);
                }
            }
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Stopped.
        }
        catch (Exception) when (token.IsCancellationRequested)
        {
            // The heartbeat in flight was cancelled by the stop.
        }
    }
}
