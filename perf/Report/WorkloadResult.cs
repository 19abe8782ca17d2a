using ManagedKv.Perf.Measurement;

namespace ManagedKv.Perf.Report;

/// <summary>
/// One workload on one engine. Throughput and latency cover the timed loop; allocation and GC cover it too (worker
/// threads for the per-op figures, the whole process for the totals); peak RSS and disk bytes cover open through
/// close; size on disk is measured after close.
/// </summary>
public sealed record WorkloadResult
{
    public required string Engine { get; init; }

    public required string Workload { get; init; }

    /// <summary>"ok", or "failed: message".</summary>
    public string Status { get; init; } = "ok";

    /// <summary>The unmeasured workload run first when this one needed a populated DB and none existed.</summary>
    public string? PreparedWith { get; init; }

    public int Threads { get; init; }

    /// <summary>Operations counted for ops/s: reads for read workloads and readwhilewriting, writes for writes.</summary>
    public long Operations { get; init; }

    public long Reads { get; init; }

    public long Writes { get; init; }

    public long Found { get; init; }

    /// <summary>Answers that contradict the harness's model of the DB (a key found that was never written, ...).</summary>
    public long VerifyErrors { get; init; }

    public double Seconds { get; init; }

    public double OpsPerSecond { get; init; }

    /// <summary>User bytes (key + value) moved per second.</summary>
    public double MegabytesPerSecond { get; init; }

    public LatencySummary? Latency { get; init; }

    /// <summary>"op", "batch of N", or "1 in N ops" for scans.</summary>
    public string LatencyUnit { get; init; } = "op";

    /// <summary>readwhilewriting: the writer's rate and latency beside the readers'.</summary>
    public double WriterOpsPerSecond { get; init; }

    public LatencySummary? WriterLatency { get; init; }

    /// <summary>Managed bytes allocated by the worker threads per operation (the engine's foreground cost).</summary>
    public double AllocatedBytesPerOp { get; init; }

    /// <summary>Managed bytes allocated by the whole process per operation (adds background flush/compaction).</summary>
    public double ProcessAllocatedBytesPerOp { get; init; }

    public int Gen0Collections { get; init; }

    public int Gen1Collections { get; init; }

    public int Gen2Collections { get; init; }

    public double GcPauseMs { get; init; }

    public long PeakRssBytes { get; init; }

    /// <summary>RSS after the pre-workload collection, before the engine opened: the harness's own footprint.</summary>
    public long BaselineRssBytes { get; init; }

    /// <summary>Largest anonymous RSS (heaps, native memory) sampled during the workload; -1 if unknown.</summary>
    public long PeakAnonRssBytes { get; init; } = -1;

    /// <summary>Largest file-backed RSS (memory-mapped files, e.g. SSTs read through mmap) sampled; -1 if unknown.</summary>
    public long PeakFileRssBytes { get; init; } = -1;

    /// <summary>"VmHWM" (kernel peak since reset before open) or "sampled".</summary>
    public string PeakRssSource { get; init; } = "";

    public long UserBytesWritten { get; init; }

    public long DiskBytesWritten { get; init; }

    public string DiskBytesSource { get; init; } = "";

    /// <summary>Disk bytes written / user bytes written, open to close; null for read-only workloads.</summary>
    public double? WriteAmplification { get; init; }

    public long SizeOnDiskBytes { get; init; }

    public long LiveKeys { get; init; }

    public long LiveDataBytes { get; init; }

    /// <summary>Size on disk / live data (key + value bytes of live keys).</summary>
    public double? SpaceAmplification { get; init; }

    public double OpenMs { get; init; }

    public double CloseMs { get; init; }

    /// <summary>Time between the end of the workload and the close: a memtable flush, then waiting for due compactions.</summary>
    public double SettleMs { get; init; }

    /// <summary>Untimed passes of the workload before the measurement, repeated until the JIT compiled nothing new.</summary>
    public int WarmupRounds { get; init; }

    public long EngineMemoryBytes { get; init; }

    public IReadOnlyDictionary<string, string>? EngineStats { get; init; }

    /// <summary>Throughput per sampling interval.</summary>
    public IReadOnlyList<SeriesPoint> Series { get; init; } = [];
}
