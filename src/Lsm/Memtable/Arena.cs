using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ManagedKv.Lsm.Memtable;

/// <summary>
/// Bump allocator for one memtable over native chunks from an <see cref="ArenaChunkPool"/>. Allocations are
/// 8-byte aligned raw addresses that stay valid until <see cref="Dispose"/>, which returns the chunks to the pool;
/// there is no per-allocation free. Allocations larger than a quarter chunk get a chunk of their own (not pooled).
/// An arena dropped without Dispose frees its chunks from its finalizer (nothing can address them any more then:
/// the skiplists that do are unreachable too).
///
/// Threads: <see cref="Allocate"/> is lock-free on its fast path (one Interlocked.Add) and safe from many threads;
/// switching to a new chunk takes <c>_lock</c>. Dispose only when no thread allocates or reads any more
/// (the memtable's reference count ensures it). Unsafe because entries are addressed by raw pointers into
/// the chunks: the skiplist's hot loops then read memory without bounds checks or chunk-table lookups.
/// </summary>
internal sealed unsafe class Arena : IDisposable
{
    private readonly ArenaChunkPool _pool;
    private readonly int _chunkSize;
    private readonly int _maxInline;

    // Guards _chunks, _oversized, _bases growth, _retiredBytes and _disposed. Leaf lock.
    private readonly Lock _lock = new();
    private readonly List<nint> _chunks = new();
    private readonly List<nint> _oversized = new();

    // Invariant: _cursor = (slot << 32) | end offset of the last reservation in chunk _bases[slot]; a reservation
    // whose end offset is <= _chunkSize succeeded. _bases[slot] is published before _cursor names the slot.
    private long _cursor;
    private nint[] _bases = new nint[16];
    private long _retiredBytes;     // bytes of chunks no longer current, oversized chunks included
    private long _heldBytes;        // bytes of every chunk held
    private bool _disposed;

    /// <summary>Creates an arena and takes its first chunk.</summary>
    public Arena(ArenaChunkPool pool)
    {
        _pool = pool;
        _chunkSize = pool.ChunkSize;
        _maxInline = _chunkSize / 4;
        lock (_lock)
        {
            InstallChunk(0);
        }
    }

    /// <summary>Bytes of chunks this arena holds (the real memory cost).</summary>
    public long MemoryUsage => Volatile.Read(ref _heldBytes);

    /// <summary>Bytes handed out so far, counting alignment and the unused ends of full chunks.</summary>
    public long AllocatedBytes
    {
        get
        {
            long cursor = Volatile.Read(ref _cursor);
            return Volatile.Read(ref _retiredBytes) + Math.Min((uint)cursor, (uint)_chunkSize);
        }
    }

    /// <summary>Returns <paramref name="size"/> bytes, 8-byte aligned, contents arbitrary. Thread-safe.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte* Allocate(int size)
    {
        Debug.Assert(size > 0);
        int aligned = (size + 7) & ~7;
        if (aligned > _maxInline)
        {
            return AllocateOversized(aligned);
        }
        while (true)
        {
            long cursor = Interlocked.Add(ref _cursor, aligned);
            uint end = (uint)cursor;
            if (end <= (uint)_chunkSize)
            {
                nint chunkBase = Volatile.Read(ref _bases)[(int)(cursor >> 32)];
                return (byte*)chunkBase + (end - (uint)aligned);
            }
            NextChunk((int)(cursor >> 32));
        }
    }

    ~Arena()
    {
        foreach (nint chunk in _chunks)
        {
            _pool.FreeChunk(chunk);
        }
        foreach (nint chunk in _oversized)
        {
            ArenaChunkPool.Free(chunk);
        }
    }

    /// <summary>Returns every chunk to the pool. REQUIRES: no thread uses any address from this arena any more.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            foreach (nint chunk in _chunks)
            {
                _pool.Return(chunk);
            }
            foreach (nint chunk in _oversized)
            {
                ArenaChunkPool.Free(chunk);
            }
            _chunks.Clear();
            _oversized.Clear();
            _bases = [];
            Volatile.Write(ref _heldBytes, 0);
        }
        GC.SuppressFinalize(this);
    }

    private void NextChunk(int fullSlot)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // Another thread may have switched already.
            if ((int)(Volatile.Read(ref _cursor) >> 32) == fullSlot)
            {
                _retiredBytes += _chunkSize;
                InstallChunk(fullSlot + 1);
            }
        }
    }

    // REQUIRES: _lock held.
    private void InstallChunk(int slot)
    {
        if (slot == _bases.Length)
        {
            var larger = new nint[_bases.Length * 2];
            _bases.CopyTo(larger, 0);
            Volatile.Write(ref _bases, larger);
        }
        nint chunk = _pool.Rent();
        _chunks.Add(chunk);
        _bases[slot] = chunk;
        _heldBytes += _chunkSize;
        Volatile.Write(ref _cursor, (long)slot << 32);
    }

    private byte* AllocateOversized(int size)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            nint chunk = ArenaChunkPool.Allocate(size);
            _oversized.Add(chunk);
            _retiredBytes += size;
            _heldBytes += size;
            return (byte*)chunk;
        }
    }
}
