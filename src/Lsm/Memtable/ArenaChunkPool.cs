using System.Diagnostics;
using System.Runtime.InteropServices;

namespace ManagedKv.Lsm.Memtable;

/// <summary>
/// A pool of equally sized byte chunks that arenas carve memtable entries from. A freed memtable's chunks come back
/// here for the next memtable, so a steady write load allocates no new chunks; chunks beyond
/// <see cref="MaxRetainedBytes"/> are freed. Chunks are native memory (64-byte aligned), so arena addresses are
/// stable raw pointers and 64 MiB memtables add nothing to the GC heap: as pinned-heap arrays they counted against
/// the gen2 budget and triggered a gen2 collection every few memtables during fills. A pool made with
/// <c>hugePages</c> (the shared one is) maps its chunks 2 MiB-aligned and asks Linux for transparent huge pages
/// (<see cref="HugePageMemory"/>), which speeds up the skiplist's random walks. Thread-safe.
/// </summary>
internal sealed unsafe class ArenaChunkPool
{
    /// <summary>Default chunk size: 2 MiB, one huge page.</summary>
    public const int DefaultChunkSize = HugePageMemory.HugePageSize;

    /// <summary>Alignment of every chunk (a cache line).</summary>
    public const int ChunkAlignment = 64;

    private readonly Lock _lock = new();   // guards _free
    private readonly Stack<nint> _free = new();
    private long _retainedBytes;

    /// <summary>
    /// Creates a pool of <paramref name="chunkSize"/>-byte chunks keeping at most <paramref name="maxRetainedBytes"/>
    /// idle. With <paramref name="hugePages"/>, chunks are 2 MiB-aligned mappings advised for transparent huge pages
    /// where the system has them (Linux; the chunk size must then be a multiple of 2 MiB).
    /// </summary>
    public ArenaChunkPool(int chunkSize = DefaultChunkSize, long maxRetainedBytes = DefaultMaxRetainedBytes, bool hugePages = false)
    {
        if (chunkSize < 4096 || chunkSize % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "Chunk size must be a multiple of 8, at least 4096.");
        }
        if (hugePages && chunkSize % HugePageMemory.HugePageSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, $"Huge-page chunks must be a multiple of {HugePageMemory.HugePageSize} bytes.");
        }
        ChunkSize = chunkSize;
        MaxRetainedBytes = maxRetainedBytes;
        HugePages = hugePages && HugePageMemory.Supported;
    }

    /// <summary>
    /// Default idle bytes kept: 8 MiB. Idle chunks are resident memory nobody uses; freed ones go back to the native
    /// heap, which reuses them for the next memtable or for block cache blocks. Keeping up to 256 MiB kept a 64 MiB
    /// memtable replayed from the WAL at open resident beside the block cache filled afterwards: a 1M-key readrandom
    /// peaked at 250 MiB RSS (1.6x RocksDB's).
    /// </summary>
    public const long DefaultMaxRetainedBytes = 8L << 20;

    /// <summary>The process-wide pool: 2 MiB huge-page chunks, at most <see cref="DefaultMaxRetainedBytes"/> idle.</summary>
    public static ArenaChunkPool Shared { get; } = new(hugePages: true);

    /// <summary>Whether chunks are huge-page mappings (<see cref="HugePageMemory"/>) rather than native heap blocks.</summary>
    public bool HugePages { get; }

    /// <summary>Bytes of every chunk.</summary>
    public int ChunkSize { get; }

    /// <summary>Idle bytes the pool keeps at most; returned chunks beyond it are freed. Default <see cref="DefaultMaxRetainedBytes"/>.</summary>
    public long MaxRetainedBytes { get; set; }

    /// <summary>Bytes held idle in the pool now (for memory accounting).</summary>
    public long RetainedBytes => Volatile.Read(ref _retainedBytes);

    /// <summary>Takes an idle chunk or allocates a new one (<see cref="ChunkSize"/> bytes, at least 64-byte aligned). Its contents are arbitrary.</summary>
    public nint Rent()
    {
        lock (_lock)
        {
            if (_free.TryPop(out nint chunk))
            {
                _retainedBytes -= ChunkSize;
                return chunk;
            }
        }
        return HugePages ? HugePageMemory.Allocate(ChunkSize) : Allocate(ChunkSize);
    }

    /// <summary>Gives a chunk back (or frees it beyond the retention bound). REQUIRES: it came from <see cref="Rent"/> and nothing uses it any more.</summary>
    public void Return(nint chunk)
    {
        Debug.Assert(chunk != 0);
        lock (_lock)
        {
            if (_retainedBytes + ChunkSize <= MaxRetainedBytes)
            {
                _free.Push(chunk);
                _retainedBytes += ChunkSize;
                return;
            }
        }
        FreeChunk(chunk);
    }

    /// <summary>Frees a chunk from <see cref="Rent"/> without pooling it (an arena's finalizer does).</summary>
    public void FreeChunk(nint chunk)
    {
        if (HugePages)
        {
            HugePageMemory.Free(chunk, ChunkSize);
        }
        else
        {
            Free(chunk);
        }
    }

    /// <summary>Frees every idle chunk.</summary>
    public void Trim()
    {
        lock (_lock)
        {
            while (_free.TryPop(out nint chunk))
            {
                FreeChunk(chunk);
            }
            _retainedBytes = 0;
        }
    }

    /// <summary>Native memory of <paramref name="size"/> bytes, 64-byte aligned (small-page chunks and oversized arena allocations).</summary>
    internal static nint Allocate(int size) => (nint)NativeMemory.AlignedAlloc((nuint)size, ChunkAlignment);

    /// <summary>Frees memory from <see cref="Allocate"/>.</summary>
    internal static void Free(nint memory) => NativeMemory.AlignedFree((void*)memory);
}
