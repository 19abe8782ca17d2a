// PD's timestamp oracle (TIKV-PD-BEHAVIOUR.md §6; PD pkg/tso).
//
// A request for `count` timestamps takes the block (logical + 1 … logical + count] at the current physical
// millisecond and answers the block's last timestamp, as PD does; the client hands out logical − count + 1 … logical.
// Physical time follows the wall clock forwards only: if the clock goes back, physical stays and logical keeps
// counting. When logical would reach 2^18 the allocator moves physical to the next millisecond at once (PD sleeps
// for its 50 ms update interval instead; advancing is equivalent and the save window below bounds how far ahead
// of the clock it can run).
//
// Save window: a physical bound is persisted (synced) in PdStorage. No timestamp with physical ≥ the saved bound
// is handed out before a new bound (physical + TsoSaveInterval, default 3 s) is saved. At start the allocator
// begins at max(clock, saved bound), so every later timestamp is above every earlier one even after a restart
// with a clock that went backwards. The owner calls SaveAheadIfDue periodically (PdCluster: every 50 ms), which
// persists the next bound while half the window is still left, as PD's update loop does, so requests do not wait
// for that fsync; a request that reaches the bound anyway saves it itself.
//
// Threads: Allocate is thread-safe. The hot path is a few integer ops under _lock, never held across I/O. Bound
// writes are serialized by _saveLock (taken before _lock, never while holding it), so the persisted bound only
// grows. No allocation per call.
using ManagedKv.Pd.Storage;

namespace ManagedKv.Pd.Tso;

/// <summary>Hands out strictly increasing timestamps in batches.</summary>
public sealed class TsoAllocator
{
    private readonly Lock _lock = new(); // guards _physical, _logical, _savedBound; never held across I/O
    private readonly Lock _saveLock = new(); // serializes bound writes; taken before _lock
    private readonly PdStorage _storage;
    private readonly IPdClock _clock;
    private readonly long _saveIntervalMs;

    // Invariant: every timestamp handed out is ≤ (_physical, _logical), and _physical < _savedBound once a
    // timestamp at _physical has been handed out.
    private long _physical;
    private long _logical;
    private long _savedBound;
    private long _boundSaves;

    internal TsoAllocator(PdStorage storage, IPdClock clock, TimeSpan saveInterval)
    {
        if (saveInterval < TimeSpan.FromMilliseconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(saveInterval), saveInterval, "TSO save interval must be at least 1 ms");
        }
        _storage = storage;
        _clock = clock;
        _saveIntervalMs = (long)saveInterval.TotalMilliseconds;
        long saved = storage.LoadTsoBound();
        // Everything handed out before the restart had physical < saved; starting at saved (logical 0, first
        // answer logical ≥ 1) is strictly above it.
        _physical = Math.Max(clock.UnixMilliseconds, saved);
        _logical = 0;
        _savedBound = saved;
        SaveAhead(_physical);
    }

    /// <summary>Bound writes (synced) since this allocator started.</summary>
    public long BoundSaves => Interlocked.Read(ref _boundSaves);

    /// <summary>The persisted exclusive upper bound of physical time (unix ms).</summary>
    public long SavedBound
    {
        get
        {
            lock (_lock)
            {
                return _savedBound;
            }
        }
    }

    /// <summary>
    /// Allocates <paramref name="count"/> consecutive timestamps and returns the last (largest) one; the block is
    /// (Physical, Logical − count + 1) … (Physical, Logical).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">count is 0 or not below 2^18.</exception>
    /// <exception cref="IOException">the new bound could not be persisted; nothing was handed out.</exception>
    public TsoTimestamp Allocate(uint count)
    {
        if (count == 0 || count >= TsoTimestamp.MaxLogical)
        {
            ThrowBadCount(count);
        }
        while (true)
        {
            long need;
            lock (_lock)
            {
                long now = _clock.UnixMilliseconds;
                if (now > _physical)
                {
                    _physical = now;
                    _logical = 0;
                }
                long physical = _physical;
                long logical = _logical;
                if (logical + count >= TsoTimestamp.MaxLogical)
                {
                    physical++;
                    logical = 0;
                }
                if (physical < _savedBound)
                {
                    _physical = physical;
                    _logical = logical + count;
                    return new TsoTimestamp(_physical, _logical);
                }
                need = physical;
            }
            // The window is used up (the periodic save fell behind, or a burst overflowed into it): save, then retry.
            SaveAhead(need);
        }
    }

    /// <summary>
    /// Persists the next bound when less than half the save window is left ahead of the clock and of the last
    /// handed-out physical time. Called periodically by the owner; thread-safe.
    /// </summary>
    public void SaveAheadIfDue()
    {
        lock (_saveLock)
        {
            long bound;
            lock (_lock)
            {
                long from = Math.Max(_clock.UnixMilliseconds, _physical);
                if (_savedBound - from >= _saveIntervalMs / 2)
                {
                    return;
                }
                bound = from + _saveIntervalMs;
            }
            WriteBound(bound);
        }
    }

    // Persists a bound above physical time `need` (need + the save interval, or more if the clock is ahead), unless
    // a saved bound already covers it.
    private void SaveAhead(long need)
    {
        lock (_saveLock)
        {
            long bound;
            lock (_lock)
            {
                if (need < _savedBound)
                {
                    return;
                }
                bound = Math.Max(Math.Max(_clock.UnixMilliseconds, _physical), need) + _saveIntervalMs;
            }
            WriteBound(bound);
        }
    }

    // REQUIRES: _saveLock held. Writes the bound (synced) and only then lets allocation use it.
    private void WriteBound(long bound)
    {
        _storage.SaveTsoBound(bound);
        Interlocked.Increment(ref _boundSaves);
        lock (_lock)
        {
            _savedBound = Math.Max(_savedBound, bound);
        }
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadCount(uint count) =>
        throw new ArgumentOutOfRangeException(nameof(count), count, "tso count should be positive and below 2^18");
}
