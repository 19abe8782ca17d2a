// PD's id allocator (TIKV-PD-BEHAVIOUR.md §1, AllocID): one sequence for store, region and peer ids, starting at 1.
// A request for `count` ids (0 means 1) takes the next `count` and answers the last. The allocator persists an
// upper bound in steps of IdStep (1000, as PD) before handing out ids past the previous bound, and a restart
// resumes from the persisted bound, so an id is never handed out twice (a restart skips the unused rest of a step).
//
// Threads: Allocate is thread-safe (one Lock around a few integer ops and, once per step, a synced write).
using ManagedKv.Pd.Storage;

namespace ManagedKv.Pd.Id;

/// <summary>Allocates unique ids in PD's way.</summary>
public sealed class IdAllocator
{
    /// <summary>How far ahead the persisted bound moves at a time.</summary>
    public const ulong IdStep = 1000;

    private readonly Lock _lock = new(); // guards _base, _end and the bound's persistence
    private readonly PdStorage _storage;

    // Invariant: _base ≤ _end; ids ≤ _base were handed out; _end is persisted.
    private ulong _base;
    private ulong _end;

    internal IdAllocator(PdStorage storage)
    {
        _storage = storage;
        _end = storage.LoadIdBound();
        _base = _end;
    }

    /// <summary>The last id handed out (0 before the first).</summary>
    public ulong Current
    {
        get
        {
            lock (_lock)
            {
                return _base;
            }
        }
    }

    /// <summary>Allocates <paramref name="count"/> ids (0 is treated as 1) and returns the last of the block.</summary>
    /// <exception cref="IOException">the new bound could not be persisted; nothing was handed out.</exception>
    public ulong Allocate(uint count)
    {
        if (count == 0)
        {
            count = 1;
        }
        lock (_lock)
        {
            ulong last = _base + count;
            if (last > _end)
            {
                ulong steps = (last - _end + IdStep - 1) / IdStep;
                ulong end = _end + steps * IdStep;
                _storage.SaveIdBound(end);
                _end = end;
            }
            _base = last;
            return last;
        }
    }
}
