namespace ManagedKv.Perf.Workloads;

/// <summary>The db_bench-style workloads, by --benchmarks name (see <see cref="WorkloadNames"/>).</summary>
public enum Workload
{
    /// <summary>Fresh DB; num keys written in ascending order.</summary>
    FillSeq,

    /// <summary>Fresh DB; num writes of uniformly random keys in [0, num) (with repeats, as db_bench).</summary>
    FillRandom,

    /// <summary>num writes of uniformly random keys over the existing DB.</summary>
    Overwrite,

    /// <summary>Fresh DB; --sync-num synced writes of random keys from --sync-threads threads (group commit).</summary>
    FillSync,

    /// <summary>--reads point lookups of uniformly random keys.</summary>
    ReadRandom,

    /// <summary>Lookups of keys that are absent but fall inside the key range (the bloom filter's case).</summary>
    ReadMissing,

    /// <summary>A forward scan from the first key.</summary>
    ReadSeq,

    /// <summary>A backward scan from the last key.</summary>
    ReadReverse,

    /// <summary>Seek to a random key, then --seek-nexts Next calls.</summary>
    SeekRandom,

    /// <summary>num deletes of uniformly random keys.</summary>
    DeleteRandom,

    /// <summary>--threads readers doing random lookups while one writer overwrites random keys.</summary>
    ReadWhileWriting,

    /// <summary>Random lookups and updates, --read-percent of them lookups.</summary>
    Mixed,

    /// <summary>Flush the memtable (one timed operation).</summary>
    Flush,

    /// <summary>Compact the whole key range (one timed operation).</summary>
    Compact,
}
