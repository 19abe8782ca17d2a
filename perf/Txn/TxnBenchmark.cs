using System.Diagnostics;
using System.Globalization;
using System.Text;
using ManagedKv.Lsm;
using ManagedKv.Txn;

namespace ManagedKv.Perf.Txn;

/// <summary>
/// The `txn` benchmark (issue 7): transactions/s of src/Txn over a local <see cref="LsmKvEngine"/> for 1 and 10 keys
/// per transaction and 1 and 16 client threads, with two-phase commit, async commit and one-phase commit, and point
/// reads/s at a timestamp (with and without prefix seeks), each with allocated bytes per operation. Threads write
/// disjoint key sets (no conflicts), chosen at random over the key space; the key space is loaded first so writes
/// and reads meet data in several SST levels. Entry point: <see cref="Run"/>.
/// </summary>
public static class TxnBenchmark
{
    /// <summary>Runs the benchmark; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        TxnBenchOptions? o = TxnBenchOptions.Parse(args);
        if (o is null)
        {
            return args.Any(a => a is "-h" or "--help") ? 0 : 2;
        }
        string dir = o.Directory ?? Path.Combine(Path.GetTempPath(), "managedkv-perf-txn-" + Guid.NewGuid().ToString("N")[..8]);
        bool ownsDir = o.Directory is null;
        try
        {
            return RunIn(dir, o);
        }
        finally
        {
            if (ownsDir)
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                }
            }
        }
    }

    private static int RunIn(string dir, TxnBenchOptions o)
    {
        var dbOptions = new DbOptions();
        foreach (string cf in new[] { EngineCfNames.Lock, EngineCfNames.Write, EngineCfNames.Raw })
        {
            dbOptions.ColumnFamilies[cf] = new ColumnFamilyOptions { WriteBufferSize = (long)o.WriteBufferMb << 20 };
        }
        dbOptions.DefaultColumnFamilyOptions.WriteBufferSize = (long)o.WriteBufferMb << 20;
        dbOptions.Statistics = new LsmStatistics();
        using LsmKvEngine engine = LsmKvEngine.Open(dir, dbOptions, o.Sync);
        var storage = new TxnStorage(engine);
        var tso = new LocalTso();
        byte[][] keys = new byte[o.KeySpace][];
        for (int i = 0; i < keys.Length; i++)
        {
            keys[i] = Encoding.ASCII.GetBytes("user" + i.ToString("D10", CultureInfo.InvariantCulture));
        }
        byte[] value = new byte[o.ValueSize];
        new Random(7).NextBytes(value);

        Console.WriteLine($"txn benchmark: {o.KeySpace:N0} keys, {o.ValueSize} B values, {o.Seconds} s per case, sync={o.Sync}, " +
            $"{Environment.ProcessorCount} cores, server GC={System.Runtime.GCSettings.IsServerGC}");
        var load = Stopwatch.StartNew();
        Load(engine, storage, tso, keys, value);
        Console.WriteLine($"loaded {o.KeySpace:N0} keys, then 3 updates of a third of them, in {load.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine();
        Console.WriteLine("B/op: bytes allocated by the client threads (the command runs on them, LSM write included) per");
        Console.WriteLine("operation; all B/op adds every thread of the process (flushes, compactions, the GC) over the same period.");
        Console.WriteLine();
        Console.WriteLine($"{"case",-14} {"keys/txn",8} {"threads",7} {"ops/s",12} {"keys/s",12} {"B/op",10} {"all B/op",10} {"errors",7}");

        int failures = 0;
        if (o.Cases.Contains("get") || o.Cases.Contains("get-noprefix"))
        {
            failures += MeasureReads(o, engine, storage, tso, keys);
        }
        // Modes innermost, so the cases compared with each other run back to back on the same tree.
        foreach (int n in o.KeysPerTxn)
        {
            foreach (int threads in o.Threads)
            {
                foreach (string c in o.Cases)
                {
                    if (c is not ("get" or "get-noprefix"))
                    {
                        failures += Measure(o, c, n, threads, (t, rnd) => WriteTxn(storage, tso, keys, value, c, n, threads, t, rnd));
                    }
                }
            }
        }
        Console.WriteLine($"-- write CF files after the write cases:{Shape(engine)}");
        return failures == 0 ? 0 : 1;
    }

    private static string Shape(LsmKvEngine engine)
    {
        ColumnFamily write = engine.ColumnFamily(EngineCf.Write);
        var shape = new StringBuilder();
        for (int level = 0; level < 7; level++)
        {
            shape.Append(CultureInfo.InvariantCulture, $" L{level}={engine.Db.GetProperty(write, "rocksdb.num-files-at-level" + level)}");
        }
        return shape.ToString();
    }

    // Reads at a timestamp with the write CF's prefix seek (get) and in total order (get-noprefix), on the tree the
    // load built; background work is paused so both see the same files.
    private static int MeasureReads(TxnBenchOptions o, LsmKvEngine engine, TxnStorage storage, LocalTso tso, byte[][] keys)
    {
        int failures = 0;
        ColumnFamily write = engine.ColumnFamily(EngineCf.Write);
        engine.Db.PauseBackgroundWork();
        try
        {
            Console.WriteLine($"-- write CF files:{Shape(engine)}");
            foreach (string c in o.Cases)
            {
                if (c is not ("get" or "get-noprefix"))
                {
                    continue;
                }
                engine.PrefixSeek = c == "get";
                foreach (int threads in o.Threads)
                {
                    LsmStatistics stats = engine.Db.Statistics;
                    stats.Reset();
                    failures += Measure(o, c, 1, threads, (t, rnd) => PointGet(storage, tso, keys, rnd));
                    if (c == "get")
                    {
                        long sst = stats.Get(Ticker.BloomFilterPrefixChecked);
                        long mem = stats.Get(Ticker.MemtableBloomChecked);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"   prefix filters skipped {Percent(stats.Get(Ticker.BloomFilterPrefixUseful), sst)} of {sst:N0} SST checks and {Percent(stats.Get(Ticker.MemtableBloomUseful), mem)} of {mem:N0} memtable checks"));
                    }
                }
            }
            engine.PrefixSeek = true;
        }
        finally
        {
            engine.Db.ContinueBackgroundWork();
        }
        return failures;
    }

    // Every key once, compacted to the bottom; then three rounds updating a random third of the keys, each flushed to
    // its own L0 file (below the L0 compaction trigger of 4): the shape a point read meets in a TiKV write CF between
    // L0 compactions. All through 1PC transactions of 100 keys.
    private static void Load(LsmKvEngine engine, TxnStorage storage, LocalTso tso, byte[][] keys, byte[] value)
    {
        var rnd = new Random(11);
        var batch = new List<byte[]>(100);
        for (int round = 0; round < 4; round++)
        {
            for (int i = 0; i < keys.Length; i++)
            {
                if (round > 0 && rnd.Next(3) != 0)
                {
                    continue;
                }
                batch.Add(keys[i]);
                if (batch.Count == 100 || i == keys.Length - 1)
                {
                    OnePc(storage, tso, batch, value);
                    batch.Clear();
                }
            }
            if (batch.Count > 0)
            {
                OnePc(storage, tso, batch, value);
                batch.Clear();
            }
            foreach (EngineCf cf in new[] { EngineCf.Write, EngineCf.Default, EngineCf.Lock })
            {
                engine.Db.Flush(engine.ColumnFamily(cf));
            }
            if (round == 0)
            {
                engine.Db.CompactRange(engine.ColumnFamily(EngineCf.Write), null, null);
            }
        }
    }

    private static void OnePc(TxnStorage storage, LocalTso tso, List<byte[]> keys, byte[] value)
    {
        var mutations = new Mutation[keys.Count];
        for (int j = 0; j < mutations.Length; j++)
        {
            mutations[j] = Mutation.Put(keys[j], value);
        }
        PrewriteResponse r = storage.Prewrite(new PrewriteRequest
        {
            Mutations = mutations, PrimaryLock = keys[0], StartVersion = tso.Next(), LockTtl = 3000, TryOnePc = true,
        });
        if (r.Errors.Count > 0 || r.OnePcCommitTs == 0)
        {
            throw new InvalidOperationException($"load failed: {string.Join("; ", r.Errors)}");
        }
    }

    // One transaction of n distinct keys from this thread's share of the key space; true when it committed.
    private static bool WriteTxn(TxnStorage storage, LocalTso tso, byte[][] keys, byte[] value, string mode, int n, int threads, int thread, Random rnd)
    {
        int share = keys.Length / threads;
        var mutations = new Mutation[n];
        var txnKeys = new byte[n][];
        for (int j = 0; j < n; j++)
        {
            byte[] key;
            do
            {
                key = keys[rnd.Next(share) * threads + thread];
            }
            while (Array.IndexOf(txnKeys, key, 0, j) >= 0);
            txnKeys[j] = key;
            mutations[j] = Mutation.Put(key, value);
        }
        ulong startTs = tso.Next();
        PrewriteResponse p = storage.Prewrite(new PrewriteRequest
        {
            Mutations = mutations,
            PrimaryLock = txnKeys[0],
            StartVersion = startTs,
            LockTtl = 3000,
            TxnSize = (ulong)n,
            UseAsyncCommit = mode == "async",
            Secondaries = mode == "async" ? txnKeys[1..] : [],
            TryOnePc = mode == "1pc",
        });
        if (p.Errors.Count > 0)
        {
            return false;
        }
        switch (mode)
        {
            case "1pc":
                return p.OnePcCommitTs != 0;
            case "async":
                // The client may report success here; the commit of the keys follows at min_commit_ts.
                return storage.Commit(new CommitRequest { StartVersion = startTs, Keys = txnKeys, CommitVersion = p.MinCommitTs }).Error is null;
            default:
                return storage.Commit(new CommitRequest { StartVersion = startTs, Keys = txnKeys, CommitVersion = tso.Next() }).Error is null;
        }
    }

    private static string Percent(long part, long whole) =>
        whole == 0 ? "-" : (100.0 * part / whole).ToString("F0", CultureInfo.InvariantCulture) + "%";

    private static bool PointGet(TxnStorage storage, LocalTso tso, byte[][] keys, Random rnd)
    {
        GetResponse r = storage.Get(new GetRequest { Key = keys[rnd.Next(keys.Length)], Version = tso.Next() });
        return r.Error is null && !r.NotFound;
    }

    /// <summary>Runs <paramref name="op"/> on <paramref name="threads"/> threads: a warmup, then the measured period. Returns 1 when an operation failed.</summary>
    private static int Measure(TxnBenchOptions o, string name, int keysPerOp, int threads, Func<int, Random, bool> op)
    {
        Run(threads, o.WarmupSeconds, op, out _);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        (long ops, long errors, long clientAllocated) = Run(threads, o.Seconds, op, out TimeSpan elapsed);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        double perSecond = ops / elapsed.TotalSeconds;
        long perOp = ops == 0 ? 0 : clientAllocated / ops;
        long allPerOp = ops == 0 ? 0 : allocated / ops;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name,-14} {keysPerOp,8} {threads,7} {perSecond,12:N0} {perSecond * keysPerOp,12:N0} {perOp,10:N0} {allPerOp,10:N0} {errors,7}"));
        return errors == 0 ? 0 : 1;
    }

    private static (long Ops, long Errors, long Allocated) Run(int threads, double seconds, Func<int, Random, bool> op, out TimeSpan elapsed)
    {
        if (seconds <= 0)
        {
            elapsed = TimeSpan.Zero;
            return (0, 0, 0);
        }
        long ops = 0;
        long errors = 0;
        long allocated = 0;
        bool stop = false;
        using var start = new ManualResetEventSlim();
        var workers = new Thread[threads];
        for (int t = 0; t < threads; t++)
        {
            int thread = t;
            workers[t] = new Thread(() =>
            {
                var rnd = new Random(thread * 7919 + Environment.TickCount);
                long mine = 0;
                long bad = 0;
                start.Wait();
                long before = GC.GetAllocatedBytesForCurrentThread();
                while (!Volatile.Read(ref stop))
                {
                    if (op(thread, rnd))
                    {
                        mine++;
                    }
                    else
                    {
                        bad++;
                    }
                }
                Interlocked.Add(ref allocated, GC.GetAllocatedBytesForCurrentThread() - before);
                Interlocked.Add(ref ops, mine);
                Interlocked.Add(ref errors, bad);
            }) { IsBackground = true, Name = "txn-bench-" + t };
            workers[t].Start();
        }
        var sw = Stopwatch.StartNew();
        start.Set();
        Thread.Sleep(TimeSpan.FromSeconds(seconds));
        Volatile.Write(ref stop, true);
        foreach (Thread w in workers)
        {
            w.Join();
        }
        elapsed = sw.Elapsed;
        return (ops, errors, allocated);
    }
}
