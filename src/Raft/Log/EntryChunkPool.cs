namespace ManagedKv.Raft;

/// <summary>
/// One node's entry memory: pooled <see cref="EntryChunk"/>s for the unstable log, and an arena into which entries
/// read from storage are copied when a message or Ready needs them, so that the steady state allocates nothing.
/// Lifetime is tracked by Ready number: whatever is handed out now travels in Ready <see cref="NextReady"/>; a chunk
/// is reusable once every Ready up to its <see cref="EntryChunk.HeldUntil"/> is <see cref="Released"/> (persisted
/// and applied, as reported by the application). Without Readies (RaftCore driven directly) nothing is ever
/// released and chunks are simply left to the garbage collector.
/// Single-threaded, like the node that owns it.
/// </summary>
internal sealed class EntryChunkPool
{
    /// <summary>The smallest chunk: a few entries, so that thousands of idle groups stay small.</summary>
    private const int MinCapacity = 8;

    /// <summary>Free chunks kept for reuse; more are left to the garbage collector.</summary>
    private const int MaxFree = 2;

    private readonly List<EntryChunk> _free = [];
    private readonly List<EntryChunk> _retired = [];
    private EntryChunk? _arena;
    private int _arenaUsed;

    /// <summary>The number the next Ready will have.</summary>
    public ulong NextReady { get; set; } = 1;

    /// <summary>Every Ready numbered &lt;= this is released.</summary>
    public ulong Released { get; private set; }

    public bool IsFree(EntryChunk chunk) => chunk.HeldUntil <= Released;

    /// <summary>Marks <paramref name="chunk"/> as referenced by the next Ready.</summary>
    public void Hold(EntryChunk chunk) => chunk.HeldUntil = NextReady;

    /// <summary>A chunk of at least <paramref name="capacity"/> entries.</summary>
    public EntryChunk Rent(int capacity)
    {
        for (int i = _free.Count - 1; i >= 0; i--)
        {
            EntryChunk c = _free[i];
            if (c.Items.Length >= capacity)
            {
                _free.RemoveAt(i);
                return c;
            }
        }

        int size = MinCapacity;
        while (size < capacity)
        {
            size *= 2;
        }

        return new EntryChunk(size);
    }

    /// <summary>Gives back a chunk its user no longer writes; it is reused once no Ready refers to it.</summary>
    public void Retire(EntryChunk chunk)
    {
        if (IsFree(chunk))
        {
            Free(chunk);
        }
        else
        {
            _retired.Add(chunk);
        }
    }

    /// <summary>The application released every Ready up to <paramref name="number"/>.</summary>
    public void Release(ulong number)
    {
        if (number <= Released)
        {
            return;
        }

        Released = number;
        for (int i = _retired.Count - 1; i >= 0; i--)
        {
            EntryChunk c = _retired[i];
            if (IsFree(c))
            {
                _retired.RemoveAt(i);
                Free(c);
            }
        }
    }

    /// <summary>
    /// Room for <paramref name="count"/> entries in the arena, to be filled by the caller at once; the returned slice
    /// views them and is held by the next Ready.
    /// </summary>
    public Span<Entry> AllocateCopy(int count, out EntrySlice slice)
    {
        if (count == 0)
        {
            slice = default;
            return default;
        }

        if (_arena is not null && IsFree(_arena))
        {
            _arenaUsed = 0;
        }

        if (_arena is null || _arenaUsed + count > _arena.Items.Length)
        {
            int want = Math.Max(count, _arena is null ? 0 : _arena.Items.Length);
            if (_arena is not null)
            {
                Retire(_arena);
            }

            _arena = Rent(want);
            _arenaUsed = 0;
        }

        Hold(_arena);
        slice = new EntrySlice(_arena.Items, _arenaUsed, count);
        Span<Entry> span = _arena.Items.AsSpan(_arenaUsed, count);
        _arenaUsed += count;
        return span;
    }

    /// <summary>Copies <paramref name="entries"/> into the arena.</summary>
    public EntrySlice Copy(ReadOnlySpan<Entry> entries)
    {
        Span<Entry> dst = AllocateCopy(entries.Length, out EntrySlice slice);
        entries.CopyTo(dst);
        return slice;
    }

    private void Free(EntryChunk chunk)
    {
        // Drop the payload references so the pool does not keep application memory alive.
        Array.Clear(chunk.Items);
        if (_free.Count < MaxFree)
        {
            _free.Add(chunk);
        }
    }
}
