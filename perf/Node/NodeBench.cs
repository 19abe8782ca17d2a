using System.Diagnostics;
using System.Globalization;
using System.Text;
using ManagedKv.Node.Batch;
using ManagedKv.Node.Store;
using Metapb;

namespace ManagedKv.Perf.Node;

/// <summary>
/// The batch-system benchmark: 3 stores in one process, each with real engines (RaftEngine with sync writes, Lsm), a
/// raft pool, an apply pool and a store writer, N regions with a peer on every store, connected in-process. Clients
/// keep a fixed number of proposals in flight through <see cref="Router.ProposeAsync"/> on the leaders' stores.
/// Reports proposals applied per second, latency, store-writer fsyncs per second and regions (tasks) per fsync.
/// Usage: <c>node [--regions 1000] [--seconds 10] [--inflight 512] [--value 100] [--raft-threads 2]
/// [--apply-threads 2] [--dir path]</c>.
/// </summary>
public static class NodeBench
{
    /// <summary>Entry point the perf program dispatches to; returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        int regions = Int(args, "--regions", 1000);
        double seconds = double.Parse(Arg(args, "--seconds") ?? "10", CultureInfo.InvariantCulture);
        int inflight = Int(args, "--inflight", 512);
        int valueBytes = Int(args, "--value", 100);
        var options = new BatchSystemOptions
        {
            RaftThreads = Int(args, "--raft-threads", 2),
            ApplyThreads = Int(args, "--apply-threads", 2),
            BaseTickInterval = TimeSpan.FromMilliseconds(100),
        };
        string dir = Arg(args, "--dir") ?? Path.Combine(Path.GetTempPath(), "managedkv-nodebench-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            return RunIn(dir, regions, seconds, inflight, valueBytes, options);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static int RunIn(string dir, int regions, double seconds, int inflight, int valueBytes, BatchSystemOptions options)
    {
        const int storeCount = 3;
        ulong[] storeIds = [1, 2, 3];
        var transport = new NodeBenchTransport(storeCount);
        var engines = new StoreEngines[storeCount];
        var systems = new StoreSystem[storeCount];
        for (int s = 0; s < storeCount; s++)
        {
            engines[s] = StoreEngines.Open(Path.Combine(dir, "store" + storeIds[s]));
            for (ulong r = 1; r <= (ulong)regions; r++)
            {
                PeerStorage.BootstrapRegion(engines[s], NewRegion(r, storeIds));
            }
        }

        try
        {
            for (int s = 0; s < storeCount; s++)
            {
                systems[s] = StoreSystem.Start(storeIds[s], engines[s], transport.Sink(), new NodeBenchApplier(), options);
                transport.Connect(storeIds[s], systems[s].Router);
            }

            for (ulong r = 1; r <= (ulong)regions; r++)
            {
                systems[(int)(r % storeCount)].Router.Campaign(r);
            }

            var sw = Stopwatch.StartNew();
            for (ulong r = 1; r <= (ulong)regions; r++)
            {
                while (LeaderStore(systems, r) < 0)
                {
                    if (sw.Elapsed > TimeSpan.FromSeconds(60))
                    {
                        Console.Error.WriteLine($"region {r} elected no leader");
                        return 1;
                    }

                    Thread.Sleep(5);
                }
            }

            Console.WriteLine($"# ManagedKv.Node batch system: 3 stores x {regions} regions in one process, RaftEngine sync on, " +
                $"raft threads {options.RaftThreads}, apply threads {options.ApplyThreads}, {inflight} proposals in flight, {valueBytes}-byte values, {Environment.ProcessorCount} cores");
            Console.WriteLine($"# leaders elected in {sw.Elapsed.TotalSeconds:F1} s");
            (long writes0, long tasks0) = WriterTotals(systems);
            var latencies = new List<double>[inflight];
            long proposals = 0;
            long retries = 0;
            var stop = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            var clients = new Task[inflight];
            sw.Restart();
            for (int c = 0; c < inflight; c++)
            {
                int client = c;
                latencies[c] = [];
                clients[c] = Task.Run(async () =>
                {
                    var rng = new Random(client);
                    byte[] value = new byte[valueBytes];
                    rng.NextBytes(value);
                    long seq = 0;
                    while (!stop.IsCancellationRequested)
                    {
                        ulong region = (ulong)rng.Next(1, regions + 1);
                        byte[] command = NodeBenchApplier.Encode(Encoding.ASCII.GetBytes($"r{region:D6}/c{client:D4}/{seq++:D10}"), value);
                        long start = Stopwatch.GetTimestamp();
                        while (true)
                        {
                            int leader = LeaderStore(systems, region);
                            ProposeResult result = await systems[leader < 0 ? 0 : leader].Router.ProposeAsync(region, command);
                            if (result.IsOk)
                            {
                                break;
                            }

                            Interlocked.Increment(ref retries);
                            await Task.Delay(1);
                        }

                        latencies[client].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                        Interlocked.Increment(ref proposals);
                    }
                });
            }

            Task.WaitAll(clients);
            double elapsed = sw.Elapsed.TotalSeconds;
            (long writes1, long tasks1) = WriterTotals(systems);
            List<double> all = latencies.SelectMany(l => l).Order().ToList();
            long writes = writes1 - writes0;
            long tasks = tasks1 - tasks0;
            Console.WriteLine($"{"proposals/s",14} {"p50 ms",8} {"p99 ms",8} {"fsyncs/s",10} {"regions/fsync",14} {"max regions",12} {"retries",8}");
            Console.WriteLine($"{proposals / elapsed,14:N0} {Percentile(all, 0.50),8:F2} {Percentile(all, 0.99),8:F2} {writes / elapsed,10:N0} " +
                $"{(double)tasks / Math.Max(1, writes),14:F1} {systems.Max(s => s.Writer.MaxRegionsPerWrite),12} {retries,8}");
            Console.WriteLine("# fsyncs/s and regions/fsync: store-writer writes (each one synced LogBatch) summed over the 3 stores;");
            Console.WriteLine("# regions/fsync = write tasks per write (one task per region per raft round).");
            return 0;
        }
        finally
        {
            foreach (StoreSystem? s in systems)
            {
                s?.Dispose();
            }

            foreach (StoreEngines e in engines)
            {
                e?.Dispose();
            }
        }
    }

    private static int LeaderStore(StoreSystem[] systems, ulong region)
    {
        for (int s = 0; s < systems.Length; s++)
        {
            if (systems[s].Router.GetPeer(region)!.IsLeader)
            {
                return s;
            }
        }

        return -1;
    }

    private static (long Writes, long Tasks) WriterTotals(StoreSystem[] systems) =>
        (systems.Sum(s => s.Writer.WriteCount), systems.Sum(s => s.Writer.TaskCount));

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];

    private static Region NewRegion(ulong id, ulong[] storeIds)
    {
        var region = new Region
        {
            Id = id,
            StartKey = Google.Protobuf.ByteString.CopyFromUtf8($"r{id:D6}"),
            EndKey = Google.Protobuf.ByteString.CopyFromUtf8($"r{id + 1:D6}"),
            RegionEpoch = new RegionEpoch { ConfVer = 1, Version = 1 },
        };
        foreach (ulong store in storeIds)
        {
            region.Peers.Add(new Metapb.Peer { Id = (id * 100) + store, StoreId = store, Role = PeerRole.Voter });
        }

        return region;
    }

    private static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private static int Int(string[] args, string name, int fallback) =>
        Arg(args, name) is string s ? int.Parse(s, CultureInfo.InvariantCulture) : fallback;
}
