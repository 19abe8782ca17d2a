using System.Diagnostics;

namespace ManagedKv.Lsm.Memtable;

/// <summary>
/// A pool of equally sized, pinned byte chunks that arenas carve memtable entries from. A freed memtable's
/// chunks come back here for the next memtable, so a steady write load allocates no new chunks; chunks beyond
/// <see cref="MaxRetainedBytes"/> are left to the GC. Chunks live on the pinned object heap so arena addresses
/// are stable raw pointers. Thread-safe.
/// </summary>
internal sealed class ArenaChunkPool
{
    /// <summary>Default chunk size: 1 MiB.</summary>
    public const int DefaultChunkSize = 1 << 20;

    private readonly Lock _lock = new();   // guards _free
    private readonly Stack<byte[]> _free = new();
    private long _retainedBytes;

    /// <summary>Creates a pool of <paramref name="chunkSize"/>-byte chunks keeping at most <paramref name="maxRetainedBytes"/> idle.</summary>
    public ArenaChunkPool(int chunkSize = DefaultChunkSize, long maxRetainedBytes = 256L << 20)
    {
        if (chunkSize < 4096 || chunkSize % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "Chunk size must be a multiple of 8, at least 4096.");
        }
        ChunkSize = chunkSize;
        MaxRetainedBytes = maxRetainedBytes;
    }

    /// <summary>The process-wide pool: 1 MiB chunks, at most 256 MiB idle.</summary>
    public static ArenaChunkPool Shared { get; } = new();

    /// <summary>Bytes of every chunk.</summary>
    public int ChunkSize { get; }

    /// <summary>Idle bytes the pool keeps at most; returned chunks beyond it are dropped. Default 256 MiB.</summary>
    public long MaxRetainedBytes { get; set; }

    /// <summary>Bytes held idle in the pool now (for memory accounting).</summary>
    public long RetainedBytes => Volatile.Read(ref _retainedBytes);

    /// <summary>Takes an idle chunk or allocates a new pinned one. Its contents are arbitrary.</summary>
    public byte[] Rent()
    {
        lock (_lock)
        {
            if (_free.TryPop(out byte[]? chunk))
            {
                _retainedBytes -= chunk.Length;
                return chunk;
            }
        }
        return GC.AllocateUninitializedArray<byte>(ChunkSize, pinned: true);
    }

    /// <summary>Gives a chunk back. REQUIRES: it came from <see cref="Rent"/> and nothing uses it any more.</summary>
    public void Return(byte[] chunk)
    {
        Debug.Assert(chunk.Length == ChunkSize);
        lock (_lock)
        {
            if (_retainedBytes + chunk.Length <= MaxRetainedBytes)
            {
                _free.Push(chunk);
                _retainedBytes += chunk.Length;
            }
        }
    }

    /// <summary>Drops every idle chunk.</summary>
    public void Trim()
    {
        lock (_lock)
        {
            _free.Clear();
            _retainedBytes = 0;
        }
    }
}
