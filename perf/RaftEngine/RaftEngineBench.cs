using System.Diagnostics;
using System.Globalization;
using ManagedKv.RaftEngine;

namespace ManagedKv.Perf;

/// <summary>
/// RaftEngine against native RocksDB storing the same Raft log entries as keys, at equal durability (both write
/// every batch to the OS before acknowledging it; with sync both fsync before acknowledging): append throughput
/// over regions / entry size / batch size / sync / threads, fetch throughput, write amplification with purge and
/// log compaction running, recovery time per GiB and index memory per entry.
/// Usage: <c>raftengine [--full | --case regions,size,batch,sync,threads] [--append-only] [--seconds S] [--dir PATH]
/// [--recovery-mib N] [--no-rocksdb] [--no-lsm] [--warmup S (1: untimed runs of every store first, for the JIT)]</c>. The same workload also runs over our own LSM (src/Lsm) with
/// RocksDB's key layout, the way TiKV stored Raft logs before raft-engine.
/// </summary>
public static class RaftEngineBench
{
    // RaftEngine write-path switches for experiments (--re-mmap on|off, --re-prealloc on|off, --re-recycle N,
    // --re-prefill on|off, --re-writeback BYTES, --re-prefault on|off, --re-mapped-max BYTES, --re-direct on|off,
    // --re-direct-align BYTES, --re-drop-pinned on|off); the defaults are the engine's defaults. --re-stats prints the
    // engine's counters after each RaftEngine run.
    private static bool? s_mapped;
    private static bool? s_preallocate;
    private static int? s_recycle;
    private static bool? s_prefill;
    private static long? s_writeback;
    private static bool? s_prefault;
    private static int? s_mappedMax;
    private static bool? s_direct;
    private static int? s_directAlign;
    private static bool? s_dropPinned;
    private static bool s_stats;

    /// <summary>Entry point the perf program dispatches to; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        s_mapped = Arg(args, "--re-mmap") is string m ? m == "on" : null;
        s_preallocate = Arg(args, "--re-prealloc") is string p ? p == "on" : null;
        s_recycle = Arg(args, "--re-recycle") is string r ? int.Parse(r, CultureInfo.InvariantCulture) : null;
        s_prefill = Arg(args, "--re-prefill") is string f ? f == "on" : null;
        s_writeback = Arg(args, "--re-writeback") is string wb ? long.Parse(wb, CultureInfo.InvariantCulture) : null;
        s_prefault = Arg(args, "--re-prefault") is string pf ? pf == "on" : null;
        s_mappedMax = Arg(args, "--re-mapped-max") is string mm ? int.Parse(mm, CultureInfo.InvariantCulture) : null;
        s_direct = Arg(args, "--re-direct") is string d ? d == "on" : null;
        s_directAlign = Arg(args, "--re-direct-align") is string da ? int.Parse(da, CultureInfo.InvariantCulture) : null;
        s_dropPinned = Arg(args, "--re-drop-pinned") is string dp ? dp == "on" : null;
        s_stats = args.Contains("--re-stats");
        bool full = args.Contains("--full");
        bool rocks = !args.Contains("--no-rocksdb");
        bool lsm = !args.Contains("--no-lsm");
        double seconds = double.Parse(Arg(args, "--seconds") ?? "2", CultureInfo.InvariantCulture);
        int recoveryMib = int.Parse(Arg(args, "--recovery-mib") ?? "512", CultureInfo.InvariantCulture);
        string root = Arg(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "mkv-raftengine-bench-" + Environment.ProcessId);
        Directory.CreateDirectory(root);
        try
        {
            RaftEngineOptions shown = EngineOptions(0);
            Console.WriteLine($"# RaftEngine vs RocksDB, {seconds} s per run, {Environment.ProcessorCount} cores, dir {root}; RaftEngine mmap={shown.UseMemoryMappedWrites} preallocate={shown.PreallocateFiles} recycle={shown.MaxRecycledFiles} prefill={shown.PrefillForRecycle} writeback={shown.WritebackWindowBytes} prefault={shown.BackgroundPrefault} mapped-max={shown.MappedWriteMaxBytes} direct={shown.DirectSyncedWrites} direct-align={shown.DirectWriteAlignment} drop-pinned={shown.DropPinnedFileCache}");
            Console.WriteLine("# e/s = entries per second, MB/s = payload MiB per second, wamp = disk bytes written / payload bytes (entry bytes; open excluded)");
            Console.WriteLine("# (all X) = disk bytes written / all bytes the writers asked to store: entry bytes + the Raft state key and value of every append");
            Console.WriteLine("# open = time and bytes written to open the fresh store (RaftEngine: prefilling its recycle pool, a one-time cost); rd = MiB read during the run");
            var ratios = new List<double>();
            var lsmRatios = new List<double>();
            // Untimed runs of every store first, so that no measured window pays for JIT compilation (the stores run
            // in this one process; the first measured RaftEngine run used to include its tier-up).
            double warmup = double.Parse(Arg(args, "--warmup") ?? "1", CultureInfo.InvariantCulture);
            if (warmup > 0)
            {
                foreach (AppendWorkload w in new[] { new AppendWorkload(100, 1024, 16, false, 1), new AppendWorkload(100, 128, 1, true, 16) })
                {
                    RunAppend(root, w, warmup / 2, StoreKind.RaftEngine, out _);
                    if (rocks)
                    {
                        RunAppend(root, w, warmup / 2, StoreKind.RocksDb, out _);
                    }
                    if (lsm)
                    {
                        RunAppend(root, w, warmup / 2, StoreKind.Lsm, out _);
                    }
                }
            }
            foreach (AppendWorkload w in Matrix(full, Arg(args, "--case")))
            {
                AppendResult ours = RunAppend(root, w, seconds, StoreKind.RaftEngine, out _);
                string line = $"append {w} | RaftEngine {Format(ours)}";
                if (rocks)
                {
                    AppendResult theirs = RunAppend(root, w, seconds, StoreKind.RocksDb, out _);
                    double ratio = ours.EntriesPerSecond / theirs.EntriesPerSecond;
                    ratios.Add(ratio);
                    line += $" | RocksDB {Format(theirs)} | x{ratio:F2}";
                }
                if (lsm)
                {
                    AppendResult ourLsm = RunAppend(root, w, seconds, StoreKind.Lsm, out _);
                    double ratio = ours.EntriesPerSecond / ourLsm.EntriesPerSecond;
                    lsmRatios.Add(ratio);
                    line += $" | Lsm {Format(ourLsm)} | x{ratio:F2}";
                }
                Console.WriteLine(line);
            }
            if (ratios.Count > 0)
            {
                ratios.Sort();
                Console.WriteLine($"# append throughput RaftEngine/RocksDB: min x{ratios[0]:F2}, median x{ratios[ratios.Count / 2]:F2}, max x{ratios[^1]:F2}");
            }
            if (lsmRatios.Count > 0)
            {
                lsmRatios.Sort();
                Console.WriteLine($"# append throughput RaftEngine/Lsm: min x{lsmRatios[0]:F2}, median x{lsmRatios[lsmRatios.Count / 2]:F2}, max x{lsmRatios[^1]:F2}");
            }
            if (!args.Contains("--append-only"))
            {
                RunFetch(root, seconds, rocks);
                RunRecovery(root, recoveryMib);
            }
            return 0;
        }
        finally
        {
            TryDelete(root);
        }
    }

    private static IEnumerable<AppendWorkload> Matrix(bool full, string? only)
    {
        if (only != null)
        {
            // --case regions,entrySize,batchEntries,sync(0/1),threads
            int[] v = Array.ConvertAll(only.Split(','), x => int.Parse(x, CultureInfo.InvariantCulture));
            yield return new AppendWorkload(v[0], v[1], v[2], v[3] != 0, v[4]);
            yield break;
        }
        if (full)
        {
            foreach (int regions in new[] { 1, 100, 10_000 })
            {
                foreach (int size in new[] { 128, 1024, 4096 })
                {
                    foreach (int batch in new[] { 1, 16, 64 })
                    {
                        foreach (bool sync in new[] { false, true })
                        {
                            foreach (int threads in new[] { 1, 16 })
                            {
                                yield return new AppendWorkload(regions, size, batch, sync, threads);
                            }
                        }
                    }
                }
            }
            yield break;
        }
        // Sync and threads.
        foreach (bool sync in new[] { false, true })
        {
            foreach (int threads in new[] { 1, 16 })
            {
                yield return new AppendWorkload(100, 1024, 16, sync, threads);
            }
        }
        // Regions.
        yield return new AppendWorkload(1, 1024, 16, false, 1);
        yield return new AppendWorkload(10_000, 1024, 16, false, 16);
        yield return new AppendWorkload(10_000, 1024, 16, true, 16);
        // Entry sizes and batch sizes.
        yield return new AppendWorkload(100, 128, 16, true, 16);
        yield return new AppendWorkload(100, 4096, 16, true, 16);
        yield return new AppendWorkload(100, 128, 1, false, 16);
        yield return new AppendWorkload(100, 1024, 1, true, 16);
        yield return new AppendWorkload(100, 1024, 64, false, 16);
        yield return new AppendWorkload(100, 4096, 64, true, 16);
    }

    private static string Format(AppendResult r) =>
        $"{r.EntriesPerSecond,10:N0} e/s {r.MegabytesPerSecond,7:F1} MB/s wamp {r.DiskWriteAmplification:F2} (all {r.DiskWriteAmplificationAll:F2}) (open {r.OpenSeconds:F2} s {r.OpenDiskBytes >> 20} MiB, rd {r.DiskReadBytes >> 20})";

    private enum StoreKind
    {
        RaftEngine,
        RocksDb,
        Lsm,
    }

    private static IRaftLogStore OpenStore(string dir, StoreKind kind, long purgeThreshold = 256L << 20) => kind switch
    {
        StoreKind.RocksDb => new RocksDbLogStore(dir),
        StoreKind.Lsm => new LsmLogStore(dir),
        // Compression off on every store: the payloads are random, and RocksDB and the LSM run without compression.
        _ => new RaftEngineLogStore(dir, EngineOptions(purgeThreshold)),
    };

    private static RaftEngineOptions EngineOptions(long purgeThreshold)
    {
        var options = new RaftEngineOptions { TargetFileSize = 32L << 20, PurgeThreshold = purgeThreshold, BatchCompressionThreshold = 0 };
        options.UseMemoryMappedWrites = s_mapped ?? options.UseMemoryMappedWrites;
        options.PreallocateFiles = s_preallocate ?? options.PreallocateFiles;
        options.MaxRecycledFiles = s_recycle ?? options.MaxRecycledFiles;
        options.PrefillForRecycle = s_prefill ?? options.PrefillForRecycle;
        options.WritebackWindowBytes = s_writeback ?? options.WritebackWindowBytes;
        options.BackgroundPrefault = s_prefault ?? options.BackgroundPrefault;
        options.MappedWriteMaxBytes = s_mappedMax ?? options.MappedWriteMaxBytes;
        options.DirectSyncedWrites = s_direct ?? options.DirectSyncedWrites;
        options.DirectWriteAlignment = s_directAlign ?? options.DirectWriteAlignment;
        options.DropPinnedFileCache = s_dropPinned ?? options.DropPinnedFileCache;
        return options;
    }

    /// <summary>Runs one append configuration for <paramref name="seconds"/> on a fresh store.</summary>
    private static AppendResult RunAppend(string root, AppendWorkload w, double seconds, StoreKind kind, out IRaftLogStore? kept, bool keep = false, (ulong Lo, ulong Hi)[]? live = null)
    {
        string dir = Path.Combine(root, kind + "-" + Guid.NewGuid().ToString("N"));
        long openBefore = ProcessIO.WriteBytes();
        var openWatch = Stopwatch.StartNew();
        IRaftLogStore store = OpenStore(dir, kind);
        double openSeconds = openWatch.Elapsed.TotalSeconds;
        long openBytes = ProcessIO.WriteBytes() - openBefore;
        kept = null;
        try
        {
            int threads = w.EffectiveThreads;
            long entries = 0;
            long payload = 0;
            long stored = 0;
            long diskBefore = ProcessIO.WriteBytes();
            long readBefore = ProcessIO.ReadBytes();
            long storeBefore = store is RaftEngineLogStore re0 ? re0.Engine.BytesWritten : 0;
            using var stop = new CancellationTokenSource();
            var workers = new Thread[threads];
            var watch = Stopwatch.StartNew();
            for (int t = 0; t < threads; t++)
            {
                int thread = t;
                workers[t] = new Thread(() =>
                {
                    (long e, long b, long s) = WriteLoop(store, w, thread, threads, stop.Token, live);
                    Interlocked.Add(ref entries, e);
                    Interlocked.Add(ref payload, b);
                    Interlocked.Add(ref stored, b + s);
                });
                workers[t].Start();
            }
            var maintenance = new Thread(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    store.Maintain();
                    stop.Token.WaitHandle.WaitOne(100);
                }
            });
            maintenance.Start();
            Thread.Sleep(TimeSpan.FromSeconds(seconds));
            stop.Cancel();
            foreach (Thread worker in workers)
            {
                worker.Join();
            }
            double elapsed = watch.Elapsed.TotalSeconds;
            maintenance.Join();
            if (s_stats && store is RaftEngineLogStore stats)
            {
                RaftLogEngine e = stats.Engine;
                Console.WriteLine($"# RaftEngine stats: {e.FileCount} files, {e.TotalFileBytes >> 20} MiB, {e.RecycledFileReuses} recycled reuses, pool {e.RecycledFileCount}, re-cached {e.RecycleRecacheBytes >> 20} MiB, dropped caches of {e.DroppedCacheFiles} files, direct {e.DirectWriteBytes >> 20} MiB, {e.MergedBatches} merged batches (write groups of several batches written as one)");
            }
            store.Settle();
            long disk = ProcessIO.WriteBytes() - diskBefore;
            long read = ProcessIO.ReadBytes() - readBefore;
            long storeBytes = store is RaftEngineLogStore re1 ? re1.Engine.BytesWritten - storeBefore : 0;
            if (keep)
            {
                kept = store;
            }
            return new AppendResult(entries, payload, elapsed, disk, storeBytes, openSeconds, openBytes, read, stored);
        }
        finally
        {
            if (!keep)
            {
                store.Dispose();
                TryDelete(dir);
            }
        }
    }

    // One writer thread: round-robin over the regions it owns, appending at each region's next index, compacting
    // a region's log once it holds twice KeepEntries.
    // Returns the entries appended, their bytes, and the Raft state bytes (key and value) the appends stored with them.
    private static (long Entries, long Bytes, long StateBytes) WriteLoop(IRaftLogStore store, AppendWorkload w, int thread, int threads, CancellationToken stop, (ulong Lo, ulong Hi)[]? live)
    {
        IRaftLogWriter writer = store.CreateWriter();
        var rng = new Random(thread + 1);
        var pool = new byte[64][];
        for (int i = 0; i < pool.Length; i++)
        {
            pool[i] = new byte[w.EntrySize];
            rng.NextBytes(pool[i]);
        }
        var entries = new ReadOnlyMemory<byte>[w.BatchEntries];
        byte[] state = new byte[24];
        int owned = (w.Regions - thread + threads - 1) / threads;
        var next = new ulong[owned];
        var first = new ulong[owned];
        Array.Fill(next, 1UL);
        Array.Fill(first, 1UL);
        long count = 0;
        long appends = 0;
        int slot = 0;
        while (!stop.IsCancellationRequested)
        {
            int k = slot++ % owned;
            ulong region = (ulong)(thread + (k * threads)) + 1;
            for (int i = 0; i < entries.Length; i++)
            {
                entries[i] = pool[(count + i) & 63];
            }
            ulong at = next[k];
            next[k] += (ulong)entries.Length;
            BitConverter.TryWriteBytes(state, next[k] - 1);
            ulong compactTo = 0;
            if (next[k] - first[k] > 2 * AppendWorkload.KeepEntries)
            {
                compactTo = next[k] - AppendWorkload.KeepEntries;
                first[k] = compactTo;
            }
            writer.Append(region, at, entries, state, compactTo, w.Sync);
            count += entries.Length;
            appends++;
        }
        if (live != null)
        {
            for (int k = 0; k < owned; k++)
            {
                live[thread + (k * threads) + 1] = (first[k], next[k] - 1);
            }
        }
        return (count, count * w.EntrySize, appends * (store.StateKeyLength + state.Length));
    }

    private static void RunFetch(string root, double seconds, bool rocks)
    {
        var w = new AppendWorkload(100, 1024, 16, false, 16);
        foreach (StoreKind kind in rocks ? new[] { StoreKind.RaftEngine, StoreKind.RocksDb } : new[] { StoreKind.RaftEngine })
        {
            var live = new (ulong Lo, ulong Hi)[w.Regions + 1];
            RunAppend(root, w, seconds, kind, out IRaftLogStore? store, keep: true, live);
            try
            {
                foreach (int threads in new[] { 1, 16 })
                {
                    long entries = 0;
                    long bytes = 0;
                    var watch = Stopwatch.StartNew();
                    Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
                    {
                        var rng = new Random(t);
                        long e = 0;
                        long b = 0;
                        var local = Stopwatch.StartNew();
                        while (local.Elapsed.TotalSeconds < seconds / 2)
                        {
                            ulong region = (ulong)rng.Next(100) + 1;
                            (ulong lo, ulong hi) = live[region];
                            if (hi < lo + 16)
                            {
                                continue;
                            }
                            ulong begin = lo + (ulong)rng.NextInt64((long)(hi - lo - 15));
                            b += store!.Fetch(region, begin, 16);
                            e += 16;
                        }
                        Interlocked.Add(ref entries, e);
                        Interlocked.Add(ref bytes, b);
                    });
                    double s = watch.Elapsed.TotalSeconds;
                    Console.WriteLine($"fetch  {store!.Name,-10} threads={threads,-2} 16 entries of 1 KiB per call: {entries / s,10:N0} e/s {bytes / s / (1 << 20),7:F1} MB/s");
                }
            }
            finally
            {
                store?.Dispose();
            }
        }
    }

    private static void RunRecovery(string root, int mib)
    {
        string dir = Path.Combine(root, "recovery");
        var options = new RaftEngineOptions { TargetFileSize = 128L << 20 };
        long target = (long)mib << 20;
        long written = 0;
        using (var engine = RaftLogEngine.Open(dir, options))
        {
            var batch = new LogBatch();
            var rng = new Random(1);
            var pool = new byte[64][];
            for (int p = 0; p < pool.Length; p++)
            {
                pool[p] = new byte[1024];
                rng.NextBytes(pool[p]);
            }
            var entries = new ReadOnlyMemory<byte>[16];
            var next = new ulong[100];
            Array.Fill(next, 1UL);
            for (int i = 0; written < target; i++)
            {
                int r = i % 100;
                for (int j = 0; j < entries.Length; j++)
                {
                    entries[j] = pool[(i * 16 + j) & 63];
                }
                batch.Clear();
                batch.AddEntries((ulong)r + 1, next[r], entries);
                batch.PutState((ulong)r + 1, "raft_state"u8, BitConverter.GetBytes(next[r]));
                next[r] += 16;
                written += engine.Write(batch, sync: false);
            }
        }
        var watch = Stopwatch.StartNew();
        using (var engine = RaftLogEngine.Open(dir, options))
        {
            double s = watch.Elapsed.TotalSeconds;
            RecoveryReport report = engine.RecoveryReport;
            RaftEngineMemoryUsage memory = engine.GetMemoryUsage();
            double gib = report.BytesScanned / (double)(1L << 30);
            Console.WriteLine($"recovery RaftEngine {report.BytesScanned >> 20} MiB in {report.FilesScanned} files, 1 KiB entries: open {s:F2} s = {s / gib:F2} s/GiB (files in page cache)");
            Console.WriteLine($"index    RaftEngine {memory.EntryCount:N0} entries in {memory.RegionCount} regions: {memory.IndexBytes:N0} bytes = {(double)memory.IndexBytes / memory.EntryCount:F2} bytes/entry");
        }
        TryDelete(dir);
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
