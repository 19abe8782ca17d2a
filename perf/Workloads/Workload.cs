using System.Text.Json.Serialization;

namespace ManagedKv.Perf.Workloads;

/// <summary>The db_bench-style workloads, by --benchmarks name (see <see cref="WorkloadNames"/>; the JSON uses the same names).</summary>
public enum Workload
{
    /// <summary>Fresh DB; num keys written in ascending order.</summary>
    [JsonStringEnumMemberName("fillseq")]
    FillSeq,

    /// <summary>Fresh DB; num writes of uniformly random keys in [0, num) (with repeats, as db_bench).</summary>
    [JsonStringEnumMemberName("fillrandom")]
    FillRandom,

    /// <summary>num writes of uniformly random keys over the existing DB.</summary>
    [JsonStringEnumMemberName("overwrite")]
    Overwrite,

    /// <summary>Fresh DB; --sync-num synced writes of random keys from --sync-threads threads (group commit).</summary>
    [JsonStringEnumMemberName("fillsync")]
    FillSync,

    /// <summary>--reads point lookups of uniformly random keys.</summary>
    [JsonStringEnumMemberName("readrandom")]
    ReadRandom,

    /// <summary>Lookups of keys that are absent but fall inside the key range (the bloom filter's case).</summary>
    [JsonStringEnumMemberName("readmissing")]
    ReadMissing,

    /// <summary>A forward scan from the first key.</summary>
    [JsonStringEnumMemberName("readseq")]
    ReadSeq,

    /// <summary>A backward scan from the last key.</summary>
    [JsonStringEnumMemberName("readreverse")]
    ReadReverse,

    /// <summary>Seek to a random key, then --seek-nexts Next calls.</summary>
    [JsonStringEnumMemberName("seekrandom")]
    SeekRandom,

    /// <summary>num deletes of uniformly random keys.</summary>
    [JsonStringEnumMemberName("deleterandom")]
    DeleteRandom,

    /// <summary>--threads readers doing random lookups while one writer overwrites random keys.</summary>
    [JsonStringEnumMemberName("readwhilewriting")]
    ReadWhileWriting,

    /// <summary>Random lookups and updates, --read-percent of them lookups.</summary>
    [JsonStringEnumMemberName("mixed")]
    Mixed,

    /// <summary>Flush the memtable (one timed operation).</summary>
    [JsonStringEnumMemberName("flush")]
    Flush,

    /// <summary>Compact the whole key range (one timed operation).</summary>
    [JsonStringEnumMemberName("compact")]
    Compact,
}
