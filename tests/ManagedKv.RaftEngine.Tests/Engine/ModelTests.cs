using System.Text;
using Xunit.Abstractions;

namespace ManagedKv.RaftEngine.Tests.Engine;

/// <summary>
/// Seeded random operations (appends with overwrites and holes, compactions, cleans, states, purge, reopen) on many
/// regions, checked against <see cref="LogModel"/> after every step. MANAGEDKV_SOAK=1 runs many more seeds.
/// </summary>
public sealed class ModelTests
{
    private readonly ITestOutputHelper _output;

    public ModelTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Seeds()
    {
        int count = Environment.GetEnvironmentVariable("MANAGEDKV_SOAK") == "1" ? 200 : 3;
        int baseSeed = Environment.GetEnvironmentVariable("MANAGEDKV_SEED") is { } s ? int.Parse(s) : 1000;
        for (int i = 0; i < count; i++)
        {
            yield return [baseSeed + i];
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomOperationsMatchModel(int seed)
    {
        try
        {
            Run(seed, steps: 1000);
        }
        catch (Exception e)
        {
            throw new Xunit.Sdk.XunitException($"Model test failed with seed {seed} (rerun with MANAGEDKV_SEED={seed}): {e}");
        }
    }

    private static RaftEngineOptions Options(Random rng) => new()
    {
        TargetFileSize = 8192,
        PurgeThreshold = 24 * 1024,
        PurgeRewriteMaxRegionBytes = 6 * 1024,
        BatchCompressionThreshold = rng.Next(2) == 0 ? 0 : 300,
        BlockCacheCapacity = rng.Next(2) == 0 ? 0 : 64 * 1024,
        RecoveryThreads = 1 + rng.Next(3),
        // Every write path and file life cycle: mapped or positional appends, preallocated or growing files,
        // purged files recycled or deleted; every reopen follows a clean close, so even the strictest mode opens.
        UseMemoryMappedWrites = rng.Next(2) == 0,
        PreallocateFiles = rng.Next(4) != 0,
        MaxRecycledFiles = rng.Next(3) == 0 ? 0 : 1 + rng.Next(4),
        PrefillForRecycle = rng.Next(2) == 0,
        // The background flusher (Linux) with windows smaller than a file, or off; mapped copies of every size or
        // only of small groups.
        WritebackWindowBytes = rng.Next(3) == 0 ? 0 : 4096,
        BackgroundPrefault = rng.Next(2) == 0,
        MappedWriteMaxBytes = rng.Next(3) switch { 0 => 0, 1 => 256, _ => int.MaxValue },
        // Synced groups as direct writes (Linux) in the file system's unit or in pages, or buffered + fdatasync.
        DirectSyncedWrites = rng.Next(3) != 0,
        DirectWriteAlignment = rng.Next(2) == 0 ? 0 : 4096,
        RecoveryMode = (RecoveryMode)rng.Next(3),
    };

    private void Run(int seed, int steps)
    {
        var rng = new Random(seed);
        using var dir = new TempDir();
        var model = new LogModel();
        RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(rng));
        try
        {
            const int regions = 24;
            // Few, half or most writes synced: back-to-back synced groups take the direct path.
            int syncPercent = rng.Next(3) switch { 0 => 10, 1 => 50, _ => 90 };
            var batch = new LogBatch();
            var groupBatches = new LogBatch[5];
            for (int b = 0; b < groupBatches.Length; b++)
            {
                groupBatches[b] = new LogBatch();
            }
            int grouped = 0;
            long mergedSaved = 0;
            long mergedBatches = 0;
            int purged = 0;
            for (int step = 0; step < steps; step++)
            {
                int op = rng.Next(100);
                if (op < 3)
                {
                    engine.Dispose();
                    engine = RaftLogEngine.Open(dir.Path, Options(rng));
                    VerifyAll(engine, model);
                    continue;
                }
                if (op < 8)
                {
                    IReadOnlyList<ulong> pinned = engine.PurgeExpiredFiles();
                    purged++;
                    batch.Clear();
                    foreach (ulong id in pinned)
                    {
                        Assert.True(model.Regions.ContainsKey(id), $"purge reported unknown region {id}");
                        // Act as the Node does: compact the regions that pin old files.
                        LogModel.Region r = model.Regions[id];
                        if (r.Entries.Count > 0)
                        {
                            ulong to = r.Last - (ulong)rng.Next(Math.Min(r.Entries.Count, 5));
                            batch.Compact(id, to);
                            model.Compact(id, to);
                        }
                    }
                    if (!batch.IsEmpty)
                    {
                        engine.Write(batch, false);
                    }
                    VerifySome(engine, model, rng);
                    continue;
                }
                if (op < 40)
                {
                    // A write group of several batches (as concurrent writers form): written as merged batches,
                    // split at a lowered limit sometimes; the model applies them in order.
                    engine.MaxMergedBatchBytes = rng.Next(3) == 0 ? 64 + rng.Next(2000) : BatchFormat.MaxBatchSize;
                    int n = 2 + rng.Next(4);
                    for (int b = 0; b < n; b++)
                    {
                        groupBatches[b].Clear();
                        int groupItems = 1 + rng.Next(3);
                        for (int i = 0; i < groupItems; i++)
                        {
                            AddRandomItem(groupBatches[b], model, rng, (ulong)rng.Next(regions), step);
                        }
                    }
                    long before = engine.BytesWritten;
                    long mergedBefore = engine.MergedBatches;
                    engine.WriteGroupForTest(groupBatches.AsSpan(0, n).ToArray(), rng.Next(100) < syncPercent);
                    mergedBatches += engine.MergedBatches - mergedBefore;
                    grouped += groupBatches.AsSpan(0, n).ToArray().Count(g => !g.IsEmpty) > 1 ? 1 : 0;
                    mergedSaved += groupBatches.AsSpan(0, n).ToArray().Sum(g => g.IsEmpty ? 0 : (long)g.EncodedLength) - (engine.BytesWritten - before);
                    VerifySome(engine, model, rng);
                    continue;
                }
                batch.Clear();
                int items = 1 + rng.Next(4);
                for (int i = 0; i < items; i++)
                {
                    AddRandomItem(batch, model, rng, (ulong)rng.Next(regions), step);
                }
                engine.Write(batch, rng.Next(100) < syncPercent);
                VerifySome(engine, model, rng);
            }
            VerifyAll(engine, model);
            engine.PurgeExpiredFiles();
            VerifyAll(engine, model);
            engine.Dispose();
            engine = RaftLogEngine.Open(dir.Path, Options(rng));
            VerifyAll(engine, model);
            // Merging k batches into one saves k - 1 headers less the growth of the one header's two length varints:
            // at least 4 bytes per merged batch (headers take 6-14 bytes; a varint of a sum is at most one byte longer).
            Assert.True(grouped > 0 && mergedBatches > 0 && mergedSaved >= 4 * mergedBatches, $"merged groups saved {mergedSaved} bytes over {grouped} groups ({mergedBatches} merged batches)");
            _output.WriteLine($"seed {seed}: {syncPercent}% synced, {grouped} groups ({mergedSaved} header bytes saved), {purged} purges, {engine.FileCount} files, {engine.TotalFileBytes} bytes, {engine.RecycledFileCount} recycled, {engine.GetMemoryUsage()}");
        }
        finally
        {
            engine.Dispose();
        }
    }

    private static void AddRandomItem(LogBatch batch, LogModel model, Random rng, ulong id, int step)
    {
        model.Regions.TryGetValue(id, out LogModel.Region? r);
        int kind = rng.Next(100);
        if (kind < 60)
        {
            ulong first;
            if (r == null || r.Entries.Count == 0)
            {
                first = 1 + (ulong)rng.Next(20);
            }
            else
            {
                int choice = rng.Next(20);
                first = choice switch
                {
                    0 => r.Last + 2 + (ulong)rng.Next(5), // hole: drops older entries
                    < 4 => r.First + (ulong)rng.Next(r.Entries.Count), // overwrite a suffix
                    _ => r.Last + 1,
                };
            }
            int count = rng.Next(9);
            var entries = new ReadOnlyMemory<byte>[count];
            for (int i = 0; i < count; i++)
            {
                entries[i] = RandomEntry(rng, id, first + (ulong)i, step);
            }
            batch.AddEntries(id, first, entries);
            model.Append(id, first, entries);
        }
        else if (kind < 75)
        {
            string key = "k" + rng.Next(4);
            byte[] value = new byte[rng.Next(40)];
            rng.NextBytes(value);
            batch.PutState(id, Encoding.ASCII.GetBytes(key), value);
            model.Put(id, key, value);
        }
        else if (kind < 80)
        {
            string key = "k" + rng.Next(4);
            batch.DeleteState(id, Encoding.ASCII.GetBytes(key));
            model.Delete(id, key);
        }
        else if (kind < 97)
        {
            ulong to = r == null || r.Entries.Count == 0 ? (ulong)rng.Next(30) : r.First + (ulong)rng.Next(r.Entries.Count + 2);
            batch.Compact(id, to);
            model.Compact(id, to);
        }
        else
        {
            batch.Clean(id);
            model.Clean(id);
        }
    }

    private static byte[] RandomEntry(Random rng, ulong id, ulong index, int step)
    {
        int size = rng.Next(10) == 0 ? rng.Next(800, 2000) : rng.Next(0, 200);
        byte[] e = new byte[size];
        if (rng.Next(2) == 0)
        {
            rng.NextBytes(e);
        }
        else
        {
            // Compressible, and distinct per (region, index, step).
            for (int i = 0; i < size; i++)
            {
                e[i] = (byte)("abcd"[i % 4] + (int)((id + index + (ulong)step) % 7));
            }
        }
        return e;
    }

    private static void VerifySome(RaftLogEngine engine, LogModel model, Random rng)
    {
        if (model.Regions.Count == 0)
        {
            return;
        }
        ulong id = model.Regions.Keys.ElementAt(rng.Next(model.Regions.Count));
        VerifyRegion(engine, id, model.Regions[id], full: false, rng);
    }

    private static void VerifyAll(RaftLogEngine engine, LogModel model)
    {
        for (ulong id = 0; id < 64; id++)
        {
            if (model.Regions.TryGetValue(id, out LogModel.Region? r))
            {
                VerifyRegion(engine, id, r, full: true, null);
            }
            else
            {
                Assert.Null(engine.FirstIndex(id));
                Assert.Null(engine.GetState(id, "k0"u8));
            }
        }
        Assert.Equal(model.Regions.Values.Sum(r => (long)r.Entries.Count), engine.GetMemoryUsage().EntryCount);
    }

    private static void VerifyRegion(RaftLogEngine engine, ulong id, LogModel.Region r, bool full, Random? rng)
    {
        if (r.Entries.Count == 0)
        {
            Assert.Null(engine.FirstIndex(id));
            Assert.Null(engine.LastIndex(id));
        }
        else
        {
            Assert.Equal(r.First, engine.FirstIndex(id));
            Assert.Equal(r.Last, engine.LastIndex(id));
            Assert.Null(engine.GetEntry(id, r.First - 1));
            Assert.Null(engine.GetEntry(id, r.Last + 1));
            if (full)
            {
                var into = new List<byte[]>();
                Assert.Equal(r.Entries.Count, engine.FetchEntries(id, r.First, r.Last + 1, long.MaxValue, into));
                for (int i = 0; i < r.Entries.Count; i++)
                {
                    Assert.True(r.Entries[i].AsSpan().SequenceEqual(into[i]), $"region {id} entry {r.First + (ulong)i} differs");
                }
            }
            else
            {
                int k = rng!.Next(r.Entries.Count);
                Assert.Equal(r.Entries[k], engine.GetEntry(id, r.First + (ulong)k));
                var into = new List<byte[]>();
                long max = rng.Next(3000);
                int n = engine.FetchEntries(id, r.First + (ulong)k, r.Last + 1, max, into);
                Assert.InRange(n, 1, r.Entries.Count - k);
                long total = 0;
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal(r.Entries[k + i], into[i]);
                    total += into[i].Length;
                }
                Assert.True(n == 1 || total <= max, $"fetch returned {total} bytes for max {max}");
                Assert.True(k + n == r.Entries.Count || total + r.Entries[k + n].Length > max, "fetch stopped early");
            }
        }
        foreach ((string key, byte[] value) in r.States)
        {
            Assert.Equal(value, engine.GetState(id, Encoding.ASCII.GetBytes(key)));
        }
        for (int k = 0; k < 4; k++)
        {
            string key = "k" + k;
            if (!r.States.ContainsKey(key))
            {
                Assert.Null(engine.GetState(id, Encoding.ASCII.GetBytes(key)));
            }
        }
    }
}
