using System.Diagnostics;
using System.Runtime;
using ManagedKv.Perf.Cli;
using ManagedKv.Perf.Engines;
using ManagedKv.Perf.Measurement;
using ManagedKv.Perf.Report;

namespace ManagedKv.Perf.Workloads;

/// <summary>
/// Runs one workload on one engine and measures it: prepares the DB if the workload needs one (fill workloads
/// start from an empty directory, others reuse the engine's DB and fall back to an unmeasured fillseq), collects
/// garbage and resets the peak-RSS mark, opens the engine, runs the timed loop with a <see cref="Sampler"/>, closes
/// it, and turns the counters into a <see cref="WorkloadResult"/>. Driver thread only.
/// </summary>
internal sealed class WorkloadRunner
{
    private readonly BenchConfig _config;
    private readonly ValueSource _values;

    public WorkloadRunner(BenchConfig config)
    {
        _config = config;
        _values = new ValueSource(config.ValueSize, config.CompressionRatio, config.Seed);
    }

    public WorkloadResult Run(EngineSession session, Workload workload)
    {
        string name = WorkloadNames.NameOf(workload);
        string? preparedWith = null;
        try
        {
            if (WorkloadNames.StartsFresh(workload))
            {
                session.Reset(_config.Num);
            }
            else if (session.Live is null)
            {
                session.Reset(_config.Num);
                using (IBenchEngine engine = session.Descriptor.Open(session.Directory, _config.EngineOptions))
                {
                    var prepare = new WorkloadExecution(Workload.FillSeq, engine, session.Live!, _values, _config with { BatchSize = 1 });
                    Exception? error = prepare.Run(static () => { });
                    if (error is not null)
                    {
                        throw new InvalidOperationException("preparing the DB with fillseq failed: " + error.Message, error);
                    }
                }
                preparedWith = "fillseq";
            }
            int warmupRounds = WarmUp(session, workload);
            return Measure(session, workload, preparedWith) with { WarmupRounds = warmupRounds };
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new WorkloadResult
            {
                Engine = session.Descriptor.Name,
                Workload = name,
                Status = "failed: " + e.GetType().Name + ": " + e.Message,
                PreparedWith = preparedWith,
            };
        }
    }

    /// <summary>
    /// Runs the workload untimed on a scratch DB beside the real one (filled first when it reads), then deletes it:
    /// the engine's and the harness's hot methods reach tier-1 code before the measured run. The workload is repeated
    /// (with a pause after each pass) until a pass leaves the JIT nothing new to compile.
    /// </summary>
    private int WarmUp(EngineSession session, Workload workload)
    {
        long ops = Math.Min(_config.WarmupOps, _config.Num);
        if (ops <= 0 || workload is Workload.Flush or Workload.Compact)
        {
            return 0;
        }
        int rounds = 0;
        string dir = session.Directory + ".warmup";
        if (Directory.Exists(dir))
        {
            Directory.Delete(dir, recursive: true);
        }
        Directory.CreateDirectory(dir);
        try
        {
            BenchConfig small = _config with
            {
                Num = ops,
                Reads = ops,
                SyncNum = Math.Max(1, Math.Min(_config.EffectiveSyncNum, ops / 10)),
                Progress = false,
            };
            var live = new LiveKeySet(ops);
            using IBenchEngine engine = session.Descriptor.Open(dir, _config.EngineOptions);
            if (!WorkloadNames.StartsFresh(workload))
            {
                Exception? fillError = new WorkloadExecution(Workload.FillRandom, engine, live, _values, small).Run(static () => { });
                if (fillError is not null)
                {
                    throw new InvalidOperationException("warm-up fill failed: " + fillError.Message, fillError);
                }
                // Reads in the measured run go through SSTs on several levels (and their codecs): warm those paths too,
                // not just the memtable, by moving the scratch data into SSTs, half compacted, half in L0.
                engine.CompactAll();
                new WorkloadExecution(Workload.Overwrite, engine, live, _values, small with { Num = ops / 2 }).Run(static () => { });
                engine.Flush();
            }
            // Repeat the workload until the JIT is done with it: with tiered PGO a hot method goes through tier 0,
            // an instrumented tier and tier 1, each step after 30 calls and a delay, compiled on a background
            // thread. One 50,000-operation pass was not enough: the compiler thread still took 20 % of the samples
            // in the first second of a measured readrandom, at the cost of the worker. Stop when a pass and a pause
            // compiled nothing new (or after MaxWarmupRounds passes).
            long compiled = JitInfo.GetCompiledMethodCount();
            for (rounds = 1; ; rounds++)
            {
                Exception? error = new WorkloadExecution(workload, engine, live, _values, small).Run(static () => { });
                if (error is not null)
                {
                    throw new InvalidOperationException("warm-up failed: " + error.Message, error);
                }
                Thread.Sleep(200);
                long now = JitInfo.GetCompiledMethodCount();
                if (now == compiled || rounds == MaxWarmupRounds)
                {
                    break;
                }
                compiled = now;
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
        return rounds;
    }

    // Warm-up passes at most: a background compaction of the scratch DB can keep compiling rarely used paths.
    private const int MaxWarmupRounds = 8;

    private WorkloadResult Measure(EngineSession session, Workload workload, string? preparedWith)
    {
        LiveKeySet live = session.Live!;
        // Start every workload from the same footprint: managed garbage collected and decommitted, native heap
        // freed by the previous engine returned to the OS.
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        NativeHeap.Trim();
        bool peakReset = ProcessStats.TryResetPeakRss();
        long baselineRss = ProcessStats.CurrentRssBytes();
        IoCounters ioBefore = ProcessStats.ReadIo();

        long openStart = Stopwatch.GetTimestamp();
        IBenchEngine engine = session.Descriptor.Open(session.Directory, _config.EngineOptions);
        double openMs = Stopwatch.GetElapsedTime(openStart).TotalMilliseconds;

        WorkloadExecution execution;
        Sampler sampler;
        long startTs = 0;
        long endTs;
        GcSnapshot gcBefore = default;
        Exception? error;
        long engineMemory;
        double settleMs;
        GcSnapshot gcAfter;
        IReadOnlyDictionary<string, string> stats;
        try
        {
            execution = new WorkloadExecution(workload, engine, live, _values, _config);
            string label = session.Descriptor.Name + " " + WorkloadNames.NameOf(workload);
            sampler = new Sampler(execution.Counters, execution.ExpectedOperations, label, _config.SampleMs, _config.Progress,
                progressCountsReadsOnly: workload == Workload.ReadWhileWriting);
            Sampler started = sampler;
            error = execution.Run(() =>
            {
                gcBefore = GcSnapshot.Take();
                started.Start();
                startTs = Stopwatch.GetTimestamp();
            });
            endTs = Stopwatch.GetTimestamp();
            sampler.Stop();
            sampler.Dispose();
            engineMemory = engine.ApproximateMemoryBytes();
            gcAfter = GcSnapshot.Take();
            settleMs = Settle(engine);
            stats = engine.GetStats(); // the settled tree the size on disk is measured on
        }
        catch
        {
            engine.Dispose();
            throw;
        }

        long closeStart = Stopwatch.GetTimestamp();
        engine.Dispose();
        double closeMs = Stopwatch.GetElapsedTime(closeStart).TotalMilliseconds;
        IoCounters ioAfter = ProcessStats.ReadIo();
        long peakRss = peakReset ? ProcessStats.PeakRssBytes() : -1;
        string peakSource = peakRss > 0 ? "VmHWM" : "sampled";
        if (peakRss <= 0)
        {
            peakRss = sampler.MaxSampledRssBytes;
        }

        if (error is not null)
        {
            throw new InvalidOperationException(error.Message, error);
        }

        return Aggregate(session, workload, preparedWith, execution, sampler, startTs, endTs, gcBefore, gcAfter,
            ioBefore, ioAfter, peakRss, peakSource, openMs, closeMs, engineMemory, stats) with { BaselineRssBytes = baselineRss, SettleMs = Math.Round(settleMs, 1) };
    }

    // Size on disk compares settled trees: both engines flush their memtables and finish the compactions then due
    // (polled, at most 120 s) before closing, so the size does not depend on how much of the workload still sat in the
    // memtable and WAL, or how far compactions got, when each engine's workload ended (both abort running compactions
    // at close). Returns the milliseconds it took.
    private static double Settle(IBenchEngine engine)
    {
        long start = Stopwatch.GetTimestamp();
        engine.Flush();
        while (engine.BackgroundWorkPending() && Stopwatch.GetElapsedTime(start).TotalSeconds < 120)
        {
            Thread.Sleep(20);
        }
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private WorkloadResult Aggregate(EngineSession session, Workload workload, string? preparedWith,
        WorkloadExecution execution, Sampler sampler, long startTs, long endTs, GcSnapshot gcBefore, GcSnapshot gcAfter,
        IoCounters ioBefore, IoCounters ioAfter, long peakRss, string peakSource, double openMs, double closeMs,
        long engineMemory, IReadOnlyDictionary<string, string> stats)
    {
        var latency = new LatencyHistogram();
        long reads = 0, writes = 0, found = 0, verifyErrors = 0, bytesRead = 0, bytesWritten = 0, allocated = 0;
        foreach (WorkerContext w in execution.Workers)
        {
            latency.Add(w.Latency);
            reads += w.Reads;
            writes += w.Writes;
            found += w.Found;
            verifyErrors += w.VerifyErrors;
            bytesRead += w.UserBytesRead;
            bytesWritten += w.UserBytesWritten;
            allocated += w.AllocatedBytes;
        }
        WorkerContext? writer = execution.Writer;
        double seconds = Math.Max((endTs - startTs) / (double)Stopwatch.Frequency, 1e-9);

        long operations = workload switch
        {
            Workload.ReadWhileWriting => reads,
            Workload.Mixed => reads + writes,
            _ => reads + writes,
        };
        long foregroundOps = operations + (writer?.Writes ?? 0);
        if (writer is not null)
        {
            allocated += writer.AllocatedBytes;
            bytesWritten += writer.UserBytesWritten;
        }
        long userBytesMoved = workload == Workload.ReadWhileWriting ? bytesRead : bytesRead + bytesWritten;

        (long diskBytes, string diskSource) = ioAfter.WrittenSince(ioBefore);
        long size = session.SizeOnDisk();
        long liveKeys = session.Live!.Count();
        long liveBytes = liveKeys * (_config.KeySize + _config.ValueSize);

        return new WorkloadResult
        {
            Engine = session.Descriptor.Name,
            Workload = WorkloadNames.NameOf(workload),
            PreparedWith = preparedWith,
            Threads = execution.Workers.Count + (writer is null ? 0 : 1),
            Operations = operations,
            Reads = reads,
            Writes = writes + (writer?.Writes ?? 0),
            Found = found,
            VerifyErrors = verifyErrors,
            Seconds = Math.Round(seconds, 4),
            OpsPerSecond = Math.Round(operations / seconds, 1),
            MegabytesPerSecond = Math.Round(userBytesMoved / seconds / (1024 * 1024), 2),
            Latency = LatencySummary.From(latency),
            LatencyUnit = execution.LatencyUnit,
            WriterOpsPerSecond = writer is null ? 0 : Math.Round(writer.Writes / seconds, 1),
            WriterLatency = writer is null ? null : LatencySummary.From(writer.WriteLatency),
            AllocatedBytesPerOp = foregroundOps == 0 ? 0 : Math.Round(allocated / (double)foregroundOps, 2),
            ProcessAllocatedBytesPerOp = foregroundOps == 0 ? 0 : Math.Round((gcAfter.AllocatedBytes - gcBefore.AllocatedBytes) / (double)foregroundOps, 2),
            Gen0Collections = gcAfter.Gen0 - gcBefore.Gen0,
            Gen1Collections = gcAfter.Gen1 - gcBefore.Gen1,
            Gen2Collections = gcAfter.Gen2 - gcBefore.Gen2,
            GcPauseMs = Math.Round((gcAfter.PauseTotal - gcBefore.PauseTotal).TotalMilliseconds, 2),
            PeakRssBytes = peakRss,
            PeakRssSource = peakSource,
            PeakAnonRssBytes = sampler.MaxSampledAnonRssBytes,
            PeakFileRssBytes = sampler.MaxSampledFileRssBytes,
            UserBytesWritten = bytesWritten,
            DiskBytesWritten = diskBytes,
            DiskBytesSource = diskSource,
            WriteAmplification = bytesWritten > 0 && diskBytes >= 0 ? Math.Round(diskBytes / (double)bytesWritten, 3) : null,
            SizeOnDiskBytes = size,
            LiveKeys = liveKeys,
            LiveDataBytes = liveBytes,
            SpaceAmplification = liveBytes > 0 ? Math.Round(size / (double)liveBytes, 3) : null,
            OpenMs = Math.Round(openMs, 1),
            CloseMs = Math.Round(closeMs, 1),
            EngineMemoryBytes = engineMemory,
            EngineStats = stats,
            Series = sampler.Series.ToArray(),
        };
    }
}
