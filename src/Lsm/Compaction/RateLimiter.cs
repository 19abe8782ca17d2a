using System.Diagnostics;

namespace ManagedKv.Lsm;

/// <summary>
/// A token bucket shared by flushes and compactions (RocksDB's GenericRateLimiter): every refill period it adds
/// BytesPerSecond × period bytes (keeping at most one period of leftover) and hands them to waiting requests, high
/// priority (flush) first, except that once in <c>fairness</c> refills low priority goes first so compactions are
/// never starved. A request larger than one refill is served in refill-sized pieces.
/// Thread-safe; one instance may be shared by several DBs (<see cref="DbOptions.RateLimiter"/>).
/// Requests block the calling background thread; they are never made on a read or foreground write path.
/// </summary>
public sealed class RateLimiter
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly long _periodTimestamp; // refill period in TimeProvider timestamp units
    private readonly int _fairness;
    private readonly Random _random;
    private readonly Queue<Waiter>[] _queues = [new(), new()]; // by IoPriority; guarded by _lock
    private readonly long[] _bytesThrough = new long[2];         // guarded by _lock
    private readonly long[] _requests = new long[2];             // guarded by _lock
    private long _refillBytes;    // guarded by _lock
    private long _available;      // guarded by _lock
    private long _nextRefill;     // timestamp; guarded by _lock
    private long _waitTimestamp;  // total time requests waited, timestamp units; guarded by _lock
    // Invariant: a queued request has Remaining > 0; _available > 0 implies both queues are empty.

    /// <summary>Creates a limiter.</summary>
    /// <param name="bytesPerSecond">Bytes per second for all callers together; at least 1.</param>
    /// <param name="refillPeriod">How often tokens are added; default 100 ms, bounds [1 ms, 10 s]. Shorter periods
    /// smooth bursts at the cost of more wakeups.</param>
    /// <param name="fairness">Low priority is served first once in this many refills; default 10, at least 1.</param>
    /// <param name="timeProvider">The clock (tests pass a fake one); default <see cref="TimeProvider.System"/>.</param>
    public RateLimiter(long bytesPerSecond, TimeSpan? refillPeriod = null, int fairness = 10, TimeProvider? timeProvider = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerSecond, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(fairness, 1);
        TimeSpan period = refillPeriod ?? TimeSpan.FromMilliseconds(100);
        if (period < TimeSpan.FromMilliseconds(1) || period > TimeSpan.FromSeconds(10))
        {
            throw new ArgumentOutOfRangeException(nameof(refillPeriod), period, "The refill period must be in [1 ms, 10 s].");
        }
        _time = timeProvider ?? TimeProvider.System;
        RefillPeriod = period;
        _periodTimestamp = Math.Max(1, (long)(period.TotalSeconds * _time.TimestampFrequency));
        _fairness = fairness;
        _random = new Random(unchecked((int)bytesPerSecond * 31 + fairness));
        _nextRefill = _time.GetTimestamp();
        SetBytesPerSecond(bytesPerSecond);
    }

    /// <summary>The refill period.</summary>
    public TimeSpan RefillPeriod { get; }

    /// <summary>The current rate.</summary>
    public long BytesPerSecond { get; private set; }

    /// <summary>Bytes added per refill (the largest piece a request is served in).</summary>
    public long SingleBurstBytes
    {
        get
        {
            lock (_lock)
            {
                return _refillBytes;
            }
        }
    }

    /// <summary>Total time requests spent waiting for tokens.</summary>
    public TimeSpan TotalWaitTime
    {
        get
        {
            lock (_lock)
            {
                return TimeSpan.FromSeconds((double)_waitTimestamp / _time.TimestampFrequency);
            }
        }
    }

    /// <summary>Requests waiting for tokens (for tests and diagnostics).</summary>
    internal int WaitingRequests
    {
        get
        {
            lock (_lock)
            {
                return _queues[0].Count + _queues[1].Count;
            }
        }
    }

    /// <summary>Changes the rate; takes effect from the next refill.</summary>
    public void SetBytesPerSecond(long bytesPerSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bytesPerSecond, 1);
        lock (_lock)
        {
            BytesPerSecond = bytesPerSecond;
            _refillBytes = Math.Max(1, (long)Math.Min(bytesPerSecond * RefillPeriod.TotalSeconds, long.MaxValue / 4));
        }
    }

    /// <summary>Bytes granted so far to <paramref name="priority"/>, or to both when null.</summary>
    public long GetTotalBytesThrough(IoPriority? priority = null)
    {
        lock (_lock)
        {
            return priority is IoPriority p ? _bytesThrough[(int)p] : _bytesThrough[0] + _bytesThrough[1];
        }
    }

    /// <summary>Requests made so far by <paramref name="priority"/>, or by both when null.</summary>
    public long GetTotalRequests(IoPriority? priority = null)
    {
        lock (_lock)
        {
            return priority is IoPriority p ? _requests[(int)p] : _requests[0] + _requests[1];
        }
    }

    /// <summary>Blocks until <paramref name="bytes"/> may be written at <paramref name="priority"/>.</summary>
    public void Request(long bytes, IoPriority priority)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        if (priority is not (IoPriority.Low or IoPriority.High))
        {
            throw new ArgumentOutOfRangeException(nameof(priority));
        }
        if (bytes == 0)
        {
            return;
        }
        lock (_lock)
        {
            _requests[(int)priority]++;
            while (bytes > 0)
            {
                long piece = Math.Min(bytes, _refillBytes);
                RequestPieceLocked(piece, priority);
                bytes -= piece;
            }
        }
    }

    private void RequestPieceLocked(long bytes, IoPriority priority)
    {
        Debug.Assert(Monitor.IsEntered(_lock));
        long now = _time.GetTimestamp();
        if (now >= _nextRefill)
        {
            RefillLocked(now);
        }
        if (_available >= bytes && _queues[0].Count == 0 && _queues[1].Count == 0)
        {
            _available -= bytes;
            _bytesThrough[(int)priority] += bytes;
            return;
        }
        var request = new Waiter(bytes, priority);
        _queues[(int)priority].Enqueue(request);
        long start = now;
        while (!request.Granted)
        {
            now = _time.GetTimestamp();
            if (now >= _nextRefill)
            {
                RefillLocked(now);
                if (request.Granted)
                {
                    break;
                }
            }
            // Sleep until the next refill is due; a fake clock is polled at least once per period of real time.
            double seconds = (double)(_nextRefill - now) / _time.TimestampFrequency;
            TimeSpan wait = TimeSpan.FromSeconds(Math.Clamp(seconds, 0.001, RefillPeriod.TotalSeconds));
            Monitor.Wait(_lock, wait);
        }
        _waitTimestamp += Math.Max(0, _time.GetTimestamp() - start);
    }

    /// <summary>Adds a period's tokens and grants them to waiting requests in priority order. REQUIRES: _lock held.</summary>
    private void RefillLocked(long now)
    {
        _nextRefill = now + _periodTimestamp;
        if (_available < _refillBytes)
        {
            _available += _refillBytes; // leftover of the last period is kept, up to one period's worth
        }
        bool lowFirst = _fairness == 1 || _random.Next(_fairness) == 0;
        Queue<Waiter> first = _queues[lowFirst ? (int)IoPriority.Low : (int)IoPriority.High];
        Queue<Waiter> second = _queues[lowFirst ? (int)IoPriority.High : (int)IoPriority.Low];
        bool granted = Grant(first) | Grant(second);
        if (granted)
        {
            Monitor.PulseAll(_lock);
        }
    }

    private bool Grant(Queue<Waiter> queue)
    {
        bool any = false;
        while (queue.Count > 0 && _available > 0)
        {
            Waiter r = queue.Peek();
            long grant = Math.Min(r.Remaining, _available);
            r.Remaining -= grant;
            _available -= grant;
            _bytesThrough[(int)r.Priority] += grant;
            if (r.Remaining > 0)
            {
                break; // partially served; the rest waits for the next refill
            }
            r.Granted = true;
            queue.Dequeue();
            any = true;
        }
        return any;
    }

    /// <summary>One waiting piece of a request. Guarded by the limiter's lock.</summary>
    private sealed class Waiter(long bytes, IoPriority priority)
    {
        public long Remaining = bytes;
        public readonly IoPriority Priority = priority;
        public bool Granted;
    }
}
