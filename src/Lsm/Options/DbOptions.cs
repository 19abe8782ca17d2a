namespace ManagedKv.Lsm;

/// <summary>
/// Options of a whole DB (RocksDB's DBOptions, names in PascalCase). Supplied at every open; the DB keeps its own copy
/// of the values it reads at open, so changing this object later has no effect on an open DB.
/// </summary>
public sealed class DbOptions
{
    /// <summary>Create the DB when the folder holds none. Default false (as RocksDB).</summary>
    public bool CreateIfMissing { get; set; }

    /// <summary>Fail the open when a DB already exists. Default false.</summary>
    public bool ErrorIfExists { get; set; }

    /// <summary>Create the column families listed in <see cref="ColumnFamilies"/> that the DB does not have yet. Default false.</summary>
    public bool CreateMissingColumnFamilies { get; set; }

    /// <summary>Background threads for flushes and compactions: one flush thread plus (value - 1) compaction threads, at least one of each. Default 2, bounds [2, 64].</summary>
    public int MaxBackgroundJobs { get; set; } = 2;

    /// <summary>
    /// Threads that run this DB's flushes and compactions; give one pool to several DBs to share it. Default null: the
    /// DB creates its own with one flush thread and (MaxBackgroundJobs - 1) compaction threads, and disposes it.
    /// </summary>
    public BackgroundJobPool? BackgroundJobPool { get; set; }

    /// <summary>The block cache shared by every column family (and by other DBs given the same instance). Default: a private 128 MiB cache.</summary>
    public BlockCache? BlockCache { get; set; }

    /// <summary>How WAL corruption found at open is treated. Default <see cref="WalRecoveryMode.TolerateCorruptedTailRecords"/>.</summary>
    public WalRecoveryMode WalRecoveryMode { get; set; } = WalRecoveryMode.TolerateCorruptedTailRecords;

    /// <summary>
    /// When the live WAL files exceed this many bytes, the column families that pin the oldest WAL are flushed.
    /// 0 (default) means 4 × the sum of every column family's WriteBufferSize × MaxWriteBufferNumber.
    /// </summary>
    public long MaxTotalWalSize { get; set; }

    /// <summary>
    /// Bytes per second writes may go at while a write stall delays them (L0 files past the slowdown trigger or pending
    /// compaction bytes past the soft limit). Default 16 MiB/s (RocksDB's), at least 1 KiB/s.
    /// </summary>
    public long DelayedWriteRate { get; set; } = 16L << 20;

    /// <summary>
    /// Open table readers kept by the table cache. Default 5000; values below 16 use 16; -1 = unbounded. As in
    /// RocksDB, readers are opened ahead of the reads: Open loads min(16, MaxOpenFiles / 4) of them (all with -1), and
    /// each file a flush or compaction writes is opened while the cache holds fewer than MaxOpenFiles / 4 readers.
    /// </summary>
    public int MaxOpenFiles { get; set; } = 5000;

    /// <summary>Write the WAL through a memory-mapped file (no system call per write; a process crash loses nothing). Default true.</summary>
    public bool UseMemoryMappedWal { get; set; } = true;

    /// <summary>
    /// Read SST files through memory maps instead of positional reads. Default true: no system call per block read
    /// (a pread costs 1-2 µs here), uncompressed blocks are checked and searched in place without a copy or a block
    /// cache slot; a 1M-key readrandom ran 1.6x faster (3.9 vs 6.2 µs CPU per Get). The mapped pages the reads touch
    /// count in the process's RSS (page cache, shared and reclaimable): Linux maps a file's page cache in large folios
    /// (up to 2 MiB), so random reads would map about every table they read. The block cache bounds them
    /// (<see cref="Lsm.BlockCache.MappedLimit"/>, by default its capacity, plus room the cache does not use): blocks
    /// of file stretches past the bound are read with pread into the block cache. Unmapping instead (madvise DONTNEED) would cost 4-10 µs per refault
    /// against about 1 µs for a pread. Compressed tables and compaction inputs are always read with pread.
    /// </summary>
    public bool AllowMmapReads { get; set; } = true;

    /// <summary>Verify block checksums on every read. Default true.</summary>
    public bool ParanoidChecks { get; set; } = true;

    /// <summary>Options of the default column family and of column families opened without their own.</summary>
    public ColumnFamilyOptions DefaultColumnFamilyOptions { get; set; } = new();

    /// <summary>Column families to open by name with their options. A CF on disk but not listed opens with <see cref="DefaultColumnFamilyOptions"/>.</summary>
    public Dictionary<string, ColumnFamilyOptions> ColumnFamilies { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Limits the bytes per second flushes and compactions write to SSTs (flush first). One limiter may be shared by
    /// several DBs. Default null (unlimited).
    /// </summary>
    public RateLimiter? RateLimiter { get; set; }

    /// <summary>Counters (bloom filter use, bytes flushed and compacted, ...); may be shared by several DBs. Default: a private instance.</summary>
    public LsmStatistics? Statistics { get; set; }

    /// <summary>Listeners told of flushes, compactions, stalls and background errors.</summary>
    public List<IEventListener> Listeners { get; } = new();
}
