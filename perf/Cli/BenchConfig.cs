using ManagedKv.Perf.Engines;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Cli;

/// <summary>Everything one db_bench-style run uses; parsed by <see cref="BenchArgs"/> and recorded in the JSON report.</summary>
public sealed record BenchConfig
{
    public IReadOnlyList<string> Engines { get; init; } = [EngineCatalog.ManagedKv, EngineCatalog.RocksDb];

    public IReadOnlyList<Workload> Benchmarks { get; init; } = WorkloadNames.Default;

    /// <summary>Key space and number of writes of the fill workloads.</summary>
    public long Num { get; init; } = 1_000_000;

    /// <summary>Operations of the read workloads; defaults to <see cref="Num"/>.</summary>
    public long Reads { get; init; } = -1;

    public int Threads { get; init; } = 1;

    /// <summary>Threads of fillsync, where concurrent synced writers measure group commit.</summary>
    public int SyncThreads { get; init; } = 16;

    /// <summary>Writes of fillsync; defaults to num / 100.</summary>
    public long SyncNum { get; init; } = -1;

    public int KeySize { get; init; } = 16;

    public int ValueSize { get; init; } = 100;

    /// <summary>Fraction of each value that is random; the rest repeats it (0.5 compresses about 2:1).</summary>
    public double CompressionRatio { get; init; } = 0.5;

    /// <summary>Sync every write of every workload (fillsync always syncs).</summary>
    public bool Sync { get; init; }

    /// <summary>Writes per WriteBatch in the fill and overwrite workloads (1 = single Put calls).</summary>
    public int BatchSize { get; init; } = 1;

    public int SeekNexts { get; init; } = 10;

    public int ReadPercent { get; init; } = 50;

    /// <summary>Rate limit of readwhilewriting's writer in writes per second; 0 = as fast as it can.</summary>
    public long WriterOpsPerSecond { get; init; }

    public ulong Seed { get; init; } = 301;

    public string DbRoot { get; init; } = Path.Combine(Path.GetTempPath(), "managedkv-perf");

    public string OutputDir { get; init; } = "";

    public bool KeepDb { get; init; }

    public int SampleMs { get; init; } = 100;

    public bool Progress { get; init; } = true;

    /// <summary>
    /// Operations of an untimed warm-up on a scratch DB before each measurement (0 = none), so the JIT has
    /// compiled the engine's hot paths at full optimization (tiered compilation) before the clock starts.
    /// </summary>
    public long WarmupOps { get; init; } = 50_000;

    /// <summary>Run each (engine, workload) in a fresh child process (default); false with --in-process.</summary>
    public bool Isolate { get; init; } = true;

    public EngineOptions EngineOptions { get; init; } = new();

    public long EffectiveReads => Reads > 0 ? Reads : Num;

    public long EffectiveSyncNum => SyncNum > 0 ? SyncNum : Math.Max(1, Num / 100);
}
