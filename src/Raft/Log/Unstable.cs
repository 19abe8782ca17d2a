namespace ManagedKv.Raft;

/// <summary>
/// The tail of the log not yet persisted: an incoming snapshot and/or entries (etcd's unstable). Entries and the
/// snapshot handed out in a <see cref="Ready"/> are "in progress" until the application reports them persisted.
/// The entries live in one pooled <see cref="EntryChunk"/> at <c>[_start, _start + _count)</c>; slices of it go
/// out in Readies and messages without copying, so a position that was handed out is never rewritten while a Ready
/// may still refer to it: appends go past the end, and a truncation or a full chunk moves the kept entries to
/// another chunk unless the chunk is free (see <see cref="EntryChunkPool"/>).
/// Entries reported persisted stay in the chunk, just before <c>_start</c>, until they are applied: a cache of
/// [<see cref="CacheStart"/>, <see cref="Offset"/>) that serves committed entries and recent terms without reading
/// storage (TiKV's entry cache plays this part). It mirrors storage, which holds the same entries.
/// Invariant: the entry at <c>_start + i</c> has index <see cref="Offset"/> + i (also for -<c>_cached</c> &lt;= i
/// &lt; 0); <see cref="Offset"/> &lt;=
/// <see cref="OffsetInProgress"/> &lt;= <see cref="Offset"/> + count; with a snapshot,
/// <see cref="Offset"/> = snapshot index + 1.
/// </summary>
internal sealed class Unstable
{
    private readonly EntryChunkPool _pool;
    private EntryChunk? _chunk;
    private int _start;
    private int _count;
    private int _cached; // persisted, not yet applied entries kept before _start

    public Unstable(ulong offset)
        : this(offset, new EntryChunkPool())
    {
    }

    public Unstable(ulong offset, EntryChunkPool pool)
    {
        _pool = pool;
        Offset = offset;
        OffsetInProgress = offset;
    }

    public Snapshot? Snapshot { get; private set; }

    public bool SnapshotInProgress { get; private set; }

    public ulong Offset { get; private set; }

    public ulong OffsetInProgress { get; private set; }

    public int Count => _count;

    /// <summary>The first index of the cached (persisted, unapplied) entries; <see cref="Offset"/> if none.</summary>
    public ulong CacheStart => Offset - (ulong)_cached;

    public bool TryFirstIndex(out ulong index)
    {
        index = Snapshot is null ? 0 : Snapshot.Index + 1;
        return Snapshot is not null;
    }

    public bool TryLastIndex(out ulong index)
    {
        if (_count > 0)
        {
            index = Offset + (ulong)_count - 1;
            return true;
        }

        index = Snapshot is null ? 0 : Snapshot.Index;
        return Snapshot is not null;
    }

    public bool TryTerm(ulong index, out ulong term)
    {
        term = 0;
        if (index < Offset)
        {
            if (index >= Offset - (ulong)_cached)
            {
                term = _chunk!.Items[_start - (int)(Offset - index)].Term;
                return true;
            }

            if (Snapshot is not null && Snapshot.Index == index)
            {
                term = Snapshot.Term;
                return true;
            }

            return false;
        }

        if (index - Offset >= (ulong)_count)
        {
            return false;
        }

        term = _chunk!.Items[_start + (int)(index - Offset)].Term;
        return true;
    }

    /// <summary>Entries not yet handed out for persistence; the slice is held by the next Ready.</summary>
    public EntrySlice NextEntries()
    {
        int inProgress = (int)(OffsetInProgress - Offset);
        if (inProgress >= _count)
        {
            return default;
        }

        return View(inProgress, _count - inProgress);
    }

    public bool HasNextEntries => (int)(OffsetInProgress - Offset) < _count;

    /// <summary>The snapshot if it was not yet handed out for persistence.</summary>
    public Snapshot? NextSnapshot() => SnapshotInProgress ? null : Snapshot;

    /// <summary>Marks everything currently unstable as handed out.</summary>
    public void AcceptInProgress()
    {
        if (_count > 0)
        {
            OffsetInProgress = Offset + (ulong)_count;
        }

        if (Snapshot is not null)
        {
            SnapshotInProgress = true;
        }
    }

    /// <summary>Drops the entries up to <paramref name="index"/> once persisted, if the entry there still has
    /// <paramref name="term"/> (a conflicting append may have replaced it meanwhile).</summary>
    public void StableTo(ulong index, ulong term)
    {
        if (!TryTerm(index, out ulong t) || index < Offset || t != term)
        {
            return;
        }

        int num = (int)(index + 1 - Offset);
        _start += num;
        _count -= num;
        _cached += num;
        Offset = index + 1;
        OffsetInProgress = Math.Max(OffsetInProgress, Offset);
    }

    /// <summary>Drops cached entries up to <paramref name="applied"/>: they are applied and may be compacted.</summary>
    public void TrimCache(ulong applied)
    {
        ulong cacheStart = Offset - (ulong)_cached;
        if (applied >= cacheStart)
        {
            _cached -= (int)(Math.Min(applied + 1, Offset) - cacheStart);
        }
    }

    public void StableSnapTo(ulong index)
    {
        if (Snapshot is not null && Snapshot.Index == index)
        {
            Snapshot = null;
            SnapshotInProgress = false;
        }
    }

    public void Restore(Snapshot snapshot)
    {
        Offset = snapshot.Index + 1;
        OffsetInProgress = Offset;
        _start += _count;
        _count = 0;
        _cached = 0;
        Snapshot = snapshot;
        SnapshotInProgress = false;
    }

    public void TruncateAndAppend(ReadOnlySpan<Entry> entries) =>
        entries.CopyTo(Reserve(entries[0].Index, entries.Length));

    /// <summary>
    /// Truncates the log after <paramref name="fromIndex"/> - 1 and returns room for <paramref name="count"/> entries
    /// starting at <paramref name="fromIndex"/>, which the caller fills at once (the leader stamps its proposals
    /// straight into the log this way).
    /// </summary>
    public Span<Entry> Reserve(ulong fromIndex, int count)
    {
        ulong end = Offset + (ulong)_count;
        int keep;
        if (fromIndex == end)
        {
            // The common case: append directly.
            keep = _count;
        }
        else if (fromIndex <= Offset)
        {
            // Replace everything unstable, starting at fromIndex; the cache (mirroring storage, which is truncated
            // too) is dropped.
            _start += _count;
            _count = 0;
            _cached = 0;
            keep = 0;
            Offset = fromIndex;
        }
        else
        {
            // Keep [Offset, fromIndex) and replace the rest.
            if (fromIndex > end)
            {
                throw new InvalidOperationException($"unstable append at {fromIndex} leaves a gap after {end - 1}");
            }

            keep = (int)(fromIndex - Offset);
        }

        OffsetInProgress = Math.Min(OffsetInProgress, fromIndex);
        OffsetInProgress = Math.Max(OffsetInProgress, Offset);
        MakeRoom(keep, count);
        Span<Entry> room = _chunk!.Items.AsSpan(_start + keep, count);
        _count = keep + count;
        return room;
    }

    /// <summary>The entry at <paramref name="index"/>. REQUIRES: Offset &lt;= index &lt;= last.</summary>
    public Entry EntryAt(ulong index) => _chunk!.Items[_start + (int)(index - Offset)];

    /// <summary>The cached and unstable entries, from <see cref="CacheStart"/> (valid until the next change of the
    /// log).</summary>
    public ReadOnlySpan<Entry> CachedAndUnstable =>
        _cached + _count == 0 ? default : _chunk!.Items.AsSpan(_start - _cached, _cached + _count);

    /// <summary>A slice of the entries in [lo, lo + count), held by the next Ready. REQUIRES: within the cached and
    /// unstable entries.</summary>
    public EntrySlice Slice(ulong lo, int count)
    {
        ulong first = CacheStart;
        if (lo < first || count < 0 || lo - first + (ulong)count > (ulong)(_cached + _count))
        {
            throw new InvalidOperationException($"unstable.slice[{lo},+{count}) out of bound [{first},{Offset + (ulong)_count})");
        }

        return View((int)((long)lo - (long)Offset), count);
    }

    /// <summary>Appends entries in [lo, hi) to <paramref name="output"/>. REQUIRES: Offset &lt;= lo &lt;= hi &lt;= last + 1.</summary>
    public void Slice(ulong lo, ulong hi, List<Entry> output)
    {
        if (lo < Offset || hi > Offset + (ulong)_count || lo > hi)
        {
            throw new InvalidOperationException($"unstable.slice[{lo},{hi}) out of bound [{Offset},{Offset + (ulong)_count}]");
        }

        for (ulong i = lo; i < hi; i++)
        {
            output.Add(EntryAt(i));
        }
    }

    private EntrySlice View(int from, int count)
    {
        if (count == 0)
        {
            return default;
        }

        _pool.Hold(_chunk!);
        return new EntrySlice(_chunk!.Items, _start + from, count);
    }

    /// <summary>Makes positions [_start + keep, _start + keep + extra) writable, keeping the first
    /// <paramref name="keep"/> entries and the cache before them.</summary>
    private void MakeRoom(int keep, int extra)
    {
        EntryChunk? chunk = _chunk;
        if (chunk is null)
        {
            _chunk = _pool.Rent(extra);
            _start = 0;
            _cached = 0;
            return;
        }

        int capacity = chunk.Items.Length;
        int from = _start - _cached; // first position to keep
        int live = _cached + keep;
        if (_pool.IsFree(chunk))
        {
            // No Ready refers to the chunk: anything may be rewritten.
            if (_start + keep + extra <= capacity)
            {
                if (live == 0)
                {
                    _start = 0;
                }

                return;
            }

            if (live + extra <= capacity)
            {
                Array.Copy(chunk.Items, from, chunk.Items, 0, live);
                _start = _cached;
                return;
            }
        }
        else if (keep == _count && _start + keep + extra <= capacity)
        {
            // Handed-out positions all lie before the end: appending past it is safe.
            return;
        }

        EntryChunk next = _pool.Rent(Math.Max(live + extra, capacity));
        Array.Copy(chunk.Items, from, next.Items, 0, live);
        _pool.Retire(chunk);
        _chunk = next;
        _start = _cached;
    }
}
