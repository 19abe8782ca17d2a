using System.Globalization;
using ManagedKv.RaftEngine;
using ManagedKv.RaftEngine.CrashChild;

// Usage: CrashChild <dir> <seed> <generationBase> <mmap|write>
// Threads own disjoint regions and loop forever: print "B <region> <kind> <a> <b> <gen>", write the batch (synced
// by a pattern the seed picks), print "A <region>" once Write returns; thread 0 also prints "G 0 <merged batches>"
// (write groups of several batches written as one) after each purge. The parent kills the process with SIGKILL at a random moment and
// checks that every acknowledged batch survived.
string dir = args[0];
int seed = int.Parse(args[1], CultureInfo.InvariantCulture);
ulong generation = ulong.Parse(args[2], CultureInfo.InvariantCulture);
const int Threads = 4;
const int RegionsPerThread = 3;

// Small files, so the run rotates, purges and recycles purged files many times.
var options = new RaftEngineOptions
{
    TargetFileSize = 64 << 10,
    PurgeThreshold = 256 << 10,
    PurgeRewriteMaxRegionBytes = 32 << 10,
    MaxRecycledFiles = 4,
    UseMemoryMappedWrites = args[3] == "mmap",
    // The background flusher hands off windows several times per file; groups are copied or written by size.
    WritebackWindowBytes = 8 << 10,
    MappedWriteMaxBytes = (seed & 1) == 0 ? 8 << 10 : 512,
    // Direct synced writes (the default) in sectors or in pages.
    DirectWriteAlignment = (seed & 2) == 0 ? 0 : 4096,
};
// Which steps sync: every one (direct writes back to back), three in four, or every other one (direct and buffered
// synced groups mixed with unsynced ones).
int syncPattern = seed % 3;
using var engine = RaftLogEngine.Open(dir, options);
Console.Out.WriteLine("READY");
var threads = new Thread[Threads];
for (int t = 0; t < Threads; t++)
{
    int thread = t;
    threads[t] = new Thread(() => Run(thread));
    threads[t].Start();
}
foreach (Thread th in threads)
{
    th.Join();
}
return 0;

void Run(int thread)
{
    var rng = new Random(seed * 31 + thread);
    var batch = new LogBatch();
    var entries = new List<ReadOnlyMemory<byte>>();
    ulong gen = generation + ((ulong)thread << 32);
    for (long step = 0; ; step++)
    {
        ulong region = (ulong)(thread * RegionsPerThread + rng.Next(RegionsPerThread)) + 1;
        ulong last = engine.LastIndex(region) ?? 0;
        ulong first = engine.FirstIndex(region) ?? 1;
        batch.Clear();
        entries.Clear();
        gen++;
        int kind = rng.Next(20);
        string line;
        if (kind < 2 && last > first + 4)
        {
            // Mostly Raft log GC keeping a short tail, so purge frees files and recycles them.
            ulong to = kind == 0 || last < first + 24 ? first + (ulong)rng.Next((int)(last - first)) : last - 16;
            batch.Compact(region, to);
            line = $"B {region} C {to} 0 {gen}";
        }
        else
        {
            ulong at = kind < 3 && last > 3 ? last - (ulong)rng.Next(3) : last + 1;
            int count = 1 + rng.Next(8);
            for (int i = 0; i < count; i++)
            {
                entries.Add(CrashContent.Entry(region, at + (ulong)i, gen));
            }
            batch.AddEntries(region, at, entries);
            batch.PutState(region, "gen"u8, BitConverter.GetBytes(gen));
            line = $"B {region} E {at} {count} {gen}";
        }
        Console.Out.WriteLine(line);
        bool sync = syncPattern switch
        {
            1 => true,
            2 => (step & 3) != 0,
            _ => (step & 1) == 1,
        };
        engine.Write(batch, sync);
        Console.Out.WriteLine($"A {region}");
        if (thread == 0 && step % 40 == 39)
        {
            engine.PurgeExpiredFiles();
            Console.Out.WriteLine($"G 0 {engine.MergedBatches}");
        }
    }
}
