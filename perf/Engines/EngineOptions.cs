namespace ManagedKv.Perf.Engines;

/// <summary>
/// The options every engine is opened with, named after RocksDB's (and so ManagedKv's) options, so both engines in a
/// run get the same write buffer, table format, filter, compression, cache and level targets. Recorded in the JSON
/// report of each run. Defaults follow db_bench where the benchmark shape matters (64 MiB write buffer, 4 KiB blocks)
/// and TiKV's kv engine elsewhere (compression per level, bloom 10 bits, dynamic level bytes).
/// </summary>
public sealed record EngineOptions
{
    public long WriteBufferSize { get; init; } = 64L << 20;

    public int MaxWriteBufferNumber { get; init; } = 2;

    public int Level0FileNumCompactionTrigger { get; init; } = 4;

    public int Level0SlowdownWritesTrigger { get; init; } = 20;

    public int Level0StopWritesTrigger { get; init; } = 36;

    public long TargetFileSizeBase { get; init; } = 64L << 20;

    public long MaxBytesForLevelBase { get; init; } = 256L << 20;

    public bool LevelCompactionDynamicLevelBytes { get; init; } = true;

    public int NumLevels { get; init; } = 7;

    public int BlockSize { get; init; } = 4096;

    public int BloomBitsPerKey { get; init; } = 10;

    /// <summary>Compression of each level, L0 first; "no", "lz4" or "zstd".</summary>
    public IReadOnlyList<string> CompressionPerLevel { get; init; } = ["no", "no", "lz4", "lz4", "lz4", "zstd", "zstd"];

    public long BlockCacheSize { get; init; } = 64L << 20;

    public int MaxBackgroundJobs { get; init; } = 2;

    /// <summary>WAL on for every write (RocksDB's default); sync per write is a per-workload flag.</summary>
    public bool DisableWal { get; init; }

    /// <summary>
    /// Read SSTs through memory maps (ManagedKv's AllowMmapReads, RocksDB's allow_mmap_reads) in both engines; null =
    /// each engine's own default (ManagedKv on, RocksDB off).
    /// </summary>
    public bool? MmapReads { get; init; }

    /// <summary>
    /// ManagedKv only (RocksDB has no bound on mapped pages): the block cache's MappedLimit in bytes, -1 = unbounded;
    /// null = ManagedKv's default (the cache size).
    /// </summary>
    public long? MappedLimit { get; init; }
}
