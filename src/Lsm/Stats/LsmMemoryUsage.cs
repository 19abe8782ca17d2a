namespace ManagedKv.Lsm;

/// <summary>Memory a DB holds, in bytes.</summary>
/// <param name="ActiveMemTables">Active memtables of every column family.</param>
/// <param name="ImmutableMemTables">Memtables waiting for flush (or pinned by readers).</param>
/// <param name="BlockCacheUsage">Bytes charged to the block cache (shared caches report their whole usage).</param>
/// <param name="BlockCacheCapacity">Capacity of the block cache.</param>
/// <param name="TableReaders">Index and filter blocks held by open table readers.</param>
public sealed record LsmMemoryUsage(long ActiveMemTables, long ImmutableMemTables, long BlockCacheUsage, long BlockCacheCapacity, long TableReaders)
{
    /// <summary>
    /// Bytes of memory-mapped SST stretches charged to the block cache's <see cref="BlockCache.MappedLimit"/>: an upper
    /// bound of the file pages reads keep mapped in the process (shared caches report their whole usage).
    /// </summary>
    public long MappedTables { get; init; }

    /// <summary>Memtables, block cache usage, mapped table pages and table readers together.</summary>
    public long Total => ActiveMemTables + ImmutableMemTables + BlockCacheUsage + MappedTables + TableReaders;
}
