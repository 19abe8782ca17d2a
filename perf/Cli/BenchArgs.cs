using System.Globalization;
using ManagedKv.Perf.Engines;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Cli;

/// <summary>Parses the db_bench-style options (--name value or --name=value) into a <see cref="BenchConfig"/>.</summary>
internal static class BenchArgs
{
    public const string Usage = """
        ManagedKv.Perf — engine benchmarks, ManagedKv side by side with native RocksDB.

        usage: dotnet run -c Release --project perf -- [bench] [options]   db_bench-style workloads (default)
               dotnet run -c Release --project perf -- micro [BenchmarkDotNet options, e.g. --filter *]
               dotnet run -c Release --project perf -- raftengine [...]     Raft log engine benchmark (when built in)
               dotnet run -c Release --project perf -- raft [...]           Raft library: proposals/s, B/proposal
               dotnet run -c Release --project perf -- check                self-checks (histogram, engine adapters)

        engines and workloads
          --engines a,b          managedkv,rocksdb (default: both; run in alternating order, each in a fresh directory)
          --benchmarks a,b,c     fillseq fillrandom overwrite fillsync readrandom readmissing readseq readreverse
                                 seekrandom deleterandom readwhilewriting mixed flush compact
                                 (default: fillseq,fillrandom,overwrite,readrandom,readmissing,readseq,readreverse,
                                 seekrandom,readwhilewriting,mixed,deleterandom,fillsync)
          --num N                keys / writes per fill (1000000)     --reads N       read operations (num)
          --threads N            worker threads (1); readwhilewriting: N readers + 1 writer
          --sync-threads N       fillsync threads (16)                --sync-num N    fillsync writes (num/100)
          --key-size N (16)  --value-size N (100)  --compression-ratio F (0.5: values compress about 2:1)
          --sync                 sync every write (fillsync always does)   --batch-size N   writes per batch (1)
          --seek-nexts N (10)  --read-percent N (mixed: 50)  --writes-per-sec N (readwhilewriting writer; 0 = unlimited)
          --seed N (301)
        mirrored engine options
          --cache-mb N (64)  --write-buffer-mb N (64)  --max-write-buffers N (2)  --block-size N (4096)
          --bloom-bits N (10)  --compression no:no:lz4:lz4:lz4:zstd:zstd  --l0-trigger N (4)  --l0-slowdown N (20)
          --l0-stop N (36)  --target-file-mb N (64)  --level-base-mb N (256)  --dynamic-level-bytes true|false
          --background-jobs N (2)  --disable-wal
          --mmap-reads true|false  SST reads through memory maps in both engines (default: each engine's own,
                                 ManagedKv true, RocksDB false)
          --mmap-limit-mb N      ManagedKv only: BlockCache.MappedLimit, mapped SST bytes reads keep (default: the
                                 cache size; -1 = unbounded)
        output
          --db DIR               database root (default: <temp>/managedkv-perf); a fresh run-id folder under it
          --out DIR              results folder (default: perf-results/ at the repository root)
          --keep-db  --sample-ms N (100)  --no-progress
          --warmup N             untimed operations on a scratch DB before each measurement, for the JIT (50000; the
                         pass repeats until the JIT compiles nothing new, at most 8 passes; 0 = none)
          --in-process           run everything in this process (default: each engine x workload in a fresh child
                                 process, so peak RSS and GC counts are that engine's alone)
        """;

    /// <summary>Parses <paramref name="args"/>; on a bad option returns null and sets <paramref name="error"/>.</summary>
    public static BenchConfig? Parse(IReadOnlyList<string> args, out string? error)
    {
        var config = new BenchConfig();
        var engine = new EngineOptions();
        error = null;
        try
        {
            for (int i = 0; i < args.Count; i++)
            {
                string arg = args[i];
                if (!arg.StartsWith("--", StringComparison.Ordinal))
                {
                    error = $"unexpected argument '{arg}'";
                    return null;
                }
                string name = arg[2..];
                string? inline = null;
                int eq = name.IndexOf('=');
                if (eq >= 0)
                {
                    inline = name[(eq + 1)..];
                    name = name[..eq];
                }

                string Value()
                {
                    if (inline is not null)
                    {
                        return inline;
                    }
                    if (i + 1 >= args.Count)
                    {
                        throw new FormatException($"--{name} needs a value");
                    }
                    return args[++i];
                }

                switch (name)
                {
                    case "engines": config = config with { Engines = SplitList(Value()) }; break;
                    case "benchmarks": config = config with { Benchmarks = ParseWorkloads(Value()) }; break;
                    case "num": config = config with { Num = Long(Value(), name, 1) }; break;
                    case "reads": config = config with { Reads = Long(Value(), name, 1) }; break;
                    case "threads": config = config with { Threads = Int(Value(), name, 1, 1024) }; break;
                    case "sync-threads": config = config with { SyncThreads = Int(Value(), name, 1, 1024) }; break;
                    case "sync-num": config = config with { SyncNum = Long(Value(), name, 1) }; break;
                    case "key-size": config = config with { KeySize = Int(Value(), name, KeyFormat.MinKeySize, 1 << 16) }; break;
                    case "value-size": config = config with { ValueSize = Int(Value(), name, 0, 1 << 24) }; break;
                    case "compression-ratio": config = config with { CompressionRatio = Math.Clamp(Double(Value(), name), 0.01, 1.0) }; break;
                    case "sync": config = config with { Sync = Bool(inline, true, name) }; break;
                    case "batch-size": config = config with { BatchSize = Int(Value(), name, 1, 1 << 20) }; break;
                    case "seek-nexts": config = config with { SeekNexts = Int(Value(), name, 0, 1 << 20) }; break;
                    case "read-percent": config = config with { ReadPercent = Int(Value(), name, 0, 100) }; break;
                    case "writes-per-sec": config = config with { WriterOpsPerSecond = Long(Value(), name, 0) }; break;
                    case "seed": config = config with { Seed = (ulong)Long(Value(), name, 0) }; break;
                    case "db": config = config with { DbRoot = Path.GetFullPath(Value()) }; break;
                    case "out": config = config with { OutputDir = Path.GetFullPath(Value()) }; break;
                    case "keep-db": config = config with { KeepDb = Bool(inline, true, name) }; break;
                    case "sample-ms": config = config with { SampleMs = Int(Value(), name, 10, 60_000) }; break;
                    case "no-progress": config = config with { Progress = false }; break;
                    case "warmup": config = config with { WarmupOps = Long(Value(), name, 0) }; break;
                    case "in-process": config = config with { Isolate = !Bool(inline, true, name) }; break;
                    case "cache-mb": engine = engine with { BlockCacheSize = Long(Value(), name, 0) << 20 }; break;
                    case "write-buffer-mb": engine = engine with { WriteBufferSize = Long(Value(), name, 1) << 20 }; break;
                    case "max-write-buffers": engine = engine with { MaxWriteBufferNumber = Int(Value(), name, 1, 64) }; break;
                    case "block-size": engine = engine with { BlockSize = Int(Value(), name, 256, 1 << 24) }; break;
                    case "bloom-bits": engine = engine with { BloomBitsPerKey = Int(Value(), name, 0, 64) }; break;
                    case "compression": engine = engine with { CompressionPerLevel = ParseCompression(Value()) }; break;
                    case "l0-trigger": engine = engine with { Level0FileNumCompactionTrigger = Int(Value(), name, 1, 1000) }; break;
                    case "l0-slowdown": engine = engine with { Level0SlowdownWritesTrigger = Int(Value(), name, 1, 1000) }; break;
                    case "l0-stop": engine = engine with { Level0StopWritesTrigger = Int(Value(), name, 1, 1000) }; break;
                    case "target-file-mb": engine = engine with { TargetFileSizeBase = Long(Value(), name, 1) << 20 }; break;
                    case "level-base-mb": engine = engine with { MaxBytesForLevelBase = Long(Value(), name, 1) << 20 }; break;
                    case "dynamic-level-bytes": engine = engine with { LevelCompactionDynamicLevelBytes = Bool(Value(), true, name) }; break;
                    case "background-jobs": engine = engine with { MaxBackgroundJobs = Int(Value(), name, 1, 64) }; break;
                    case "disable-wal": engine = engine with { DisableWal = Bool(inline, true, name) }; break;
                    case "mmap-reads": engine = engine with { MmapReads = Bool(Value(), true, name) }; break;
                    case "mmap-limit-mb":
                        long limit = Long(Value(), name, -1);
                        engine = engine with { MappedLimit = limit < 0 ? -1 : limit << 20 };
                        break;
                    default:
                        error = $"unknown option --{name}";
                        return null;
                }
            }
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }

        if (config.Engines.Count == 0)
        {
            error = "--engines is empty";
            return null;
        }
        foreach (string name in config.Engines)
        {
            if (EngineCatalog.Find(name) is null)
            {
                error = $"unknown engine '{name}' (known: {string.Join(", ", EngineCatalog.KnownNames)})";
                return null;
            }
        }
        return config with { EngineOptions = engine };
    }

    private static List<string> SplitList(string value)
    {
        var list = new List<string>();
        foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            list.Add(part.ToLowerInvariant());
        }
        return list;
    }

    private static List<Workload> ParseWorkloads(string value)
    {
        var list = new List<Workload>();
        foreach (string name in SplitList(value))
        {
            if (!WorkloadNames.TryParse(name, out Workload workload))
            {
                throw new FormatException($"unknown benchmark '{name}' (known: {string.Join(", ", WorkloadNames.All)})");
            }
            list.Add(workload);
        }
        if (list.Count == 0)
        {
            throw new FormatException("--benchmarks is empty");
        }
        return list;
    }

    private static List<string> ParseCompression(string value)
    {
        var list = new List<string>();
        foreach (string part in value.Split(':', StringSplitOptions.TrimEntries))
        {
            string p = part.ToLowerInvariant();
            if (p is not ("no" or "lz4" or "zstd"))
            {
                throw new FormatException($"--compression: unknown '{part}' (use no, lz4, zstd separated by ':')");
            }
            list.Add(p);
        }
        return list;
    }

    private static long Long(string value, string name, long min)
    {
        if (!long.TryParse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture, out long v) || v < min)
        {
            throw new FormatException($"--{name}: expected an integer >= {min}, got '{value}'");
        }
        return v;
    }

    private static int Int(string value, string name, int min, int max)
    {
        long v = Long(value, name, min);
        if (v > max)
        {
            throw new FormatException($"--{name}: expected at most {max}, got {v}");
        }
        return (int)v;
    }

    private static double Double(string value, string name) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new FormatException($"--{name}: expected a number, got '{value}'");

    private static bool Bool(string? value, bool ifAbsent, string name) => value switch
    {
        null => ifAbsent,
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new FormatException($"--{name}: expected true or false, got '{value}'"),
    };
}
