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
// with a clock that went backwards.
//
// Threads: Allocate is thread-safe. The hot path is a few integer ops under one Lock; a synced write of the bound
// happens under that lock about once per save interval. No allocation per call.
using ManagedKv.Pd.Storage;

namespace ManagedKv.Pd.Tso;

/// <summary>Hands out strictly increasing timestamps in batches.</summary>
public sealed class TsoAllocator
{
    private readonly Lock _lock = new(); // guards _physical, _logical, _savedBound and the bound's persistence
    private readonly PdStorage _storage;
    private readonly IPdClock _clock;
    private readonly long _saveIntervalMs;

    // Invariant: every timestamp handed out is ≤ (_physical, _logical), and _physical < _savedBound once a
    // timestamp at _physical has been handed out.
    private long _physical;
    private long _logical;
    private long _savedBound;

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
        lock (_lock)
        {
            SaveBoundLocked();
        }
    }

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
        lock (_lock)
        {
            long now = _clock.UnixMilliseconds;
            if (now > _physical)
            {
                _physical = now;
                _logical = 0;
            }
            if (_logical + count >= TsoTimestamp.MaxLogical)
            {
                _physical++;
                _logical = 0;
            }
            if (_physical >= _savedBound)
            {
                SaveBoundLocked();
            }
            _logical += count;
            return new TsoTimestamp(_physical, _logical);
        }
    }

    // REQUIRES: _lock held.
    private void SaveBoundLocked()
    {
        long bound = _physical + _saveIntervalMs;
        _storage.SaveTsoBound(bound);
        _savedBound = bound;
    }

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowBadCount(uint count) =>
        throw new ArgumentOutOfRangeException(nameof(count), count, "tso count should be positive and below 2^18");
}
