using ManagedKv.RaftEngine.Tests.Engine;

namespace ManagedKv.RaftEngine.Tests.Direct;

/// <summary>
/// Direct synced writes (<see cref="RaftEngineOptions.DirectSyncedWrites"/>, Linux): synced groups of every size and
/// alignment are written directly (the partial unit they start in rewritten from memory or read back), read back at
/// once through the ordinary handle, the mapping and after reopening; the first synced group after unsynced appends
/// takes write + fdatasync (a direct write would make only its own range durable); the aligned buffer is counted in
/// the memory usage. Seeds are printed on failure.
/// </summary>
public sealed class DirectWriteTests
{
    private static RaftEngineOptions Options(bool mapped, int align, bool prefill = true) => new()
    {
        TargetFileSize = 64 << 10,
        PurgeThreshold = 256 << 10,
        MaxRecycledFiles = 3,
        PrefillForRecycle = prefill,
        UseMemoryMappedWrites = mapped,
        DirectWriteAlignment = align,
        WritebackWindowBytes = 8 << 10,
        BlockCacheCapacity = 0,
    };

    private static void Verify(RaftLogEngine engine, LogModel model, int seed)
    {
        var got = new List<byte[]>();
        foreach ((ulong id, LogModel.Region r) in model.Regions)
        {
            if (r.Entries.Count == 0)
            {
                Assert.True(engine.FirstIndex(id) == null, $"region {id} should be empty (seed {seed})");
                continue;
            }
            Assert.True(engine.FirstIndex(id) == r.First && engine.LastIndex(id) == r.Last, $"region {id} range (seed {seed})");
            got.Clear();
            engine.FetchEntries(id, r.First, r.Last + 1, long.MaxValue, got);
            for (int i = 0; i < got.Count; i++)
            {
                Assert.True(got[i].AsSpan().SequenceEqual(r.Entries[i]), $"region {id} entry {r.First + (ulong)i} differs (seed {seed})");
            }
        }
    }

    [Theory]
    [InlineData(false, 0, 1)]
    [InlineData(true, 0, 2)]
    [InlineData(false, 4096, 3)]
    [InlineData(true, 4096, 4)]
    [InlineData(true, 0, 5)]
    public void SyncedGroupsOfEverySizeReadBackAndRecover(bool mapped, int align, int seed)
    {
        using var dir = new TempDir();
        var rng = new Random(seed);
        var model = new LogModel();
        var batch = new LogBatch();
        var entries = new List<ReadOnlyMemory<byte>>();
        bool prefill = seed != 5; // seed 5: the first files are new (fallocated), later ones recycled
        using (RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(mapped, align, prefill)))
        {
            for (int step = 0; step < 600; step++)
            {
                ulong region = (ulong)rng.Next(1, 5);
                ulong first = model.Regions.TryGetValue(region, out LogModel.Region? r) && r.Entries.Count > 0 ? r.Last + 1 : 1;
                entries.Clear();
                int count = 1 + rng.Next(4);
                // Sizes that end anywhere in a sector or page, now and then larger than a page.
                int size = rng.Next(5) == 0 ? 3000 + rng.Next(6000) : rng.Next(1, 700);
                for (int e = 0; e < count; e++)
                {
                    entries.Add(TestEntries.Random(seed, region, first + (ulong)e, size));
                }
                batch.Clear();
                batch.AddEntries(region, first, entries);
                model.Append(region, first, entries);
                ulong last = first + (ulong)count - 1;
                if (last > 30)
                {
                    batch.Compact(region, last - 12);
                    model.Compact(region, last - 12);
                }
                // Mostly synced; an unsynced write now and then switches back to write + fdatasync for one group.
                engine.Write(batch, sync: rng.Next(8) != 0);
                // The bytes just written directly are visible to readers at once (the last entry is in the last unit).
                CheckLast(engine, region, last, entries[^1], seed);
                if (step % 50 == 49)
                {
                    engine.PurgeExpiredFiles();
                    Verify(engine, model, seed);
                }
            }
            Verify(engine, model, seed);
            Assert.True(engine.RecycledFileReuses > 0, $"no file was recycled (seed {seed})");
            if (dir.SupportsDirectIo())
            {
                Assert.True(engine.DirectWriteBytes > 0, $"no synced group was written directly (seed {seed})");
            }
        }
        using (RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(mapped, align)))
        {
            Assert.Empty(engine.RecoveryReport.DroppedRanges);
            Verify(engine, model, seed);
        }

        static void CheckLast(RaftLogEngine engine, ulong region, ulong index, ReadOnlyMemory<byte> expected, int seed)
        {
            byte[]? entry = engine.GetEntry(region, index);
            Assert.True(entry != null && entry.AsSpan().SequenceEqual(expected.Span), $"entry {index} of region {region} does not read back (seed {seed})");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FirstSyncedGroupAfterUnsyncedAppendsIsFlushedWithFdatasync(bool mapped)
    {
        using var dir = new TempDir();
        using RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(mapped, align: 0));
        var batch = new LogBatch();
        var payload = new byte[1000];
        ulong index = 0;
        void Write(bool sync)
        {
            index++;
            batch.Clear();
            batch.AddEntries(7, index, new ReadOnlyMemory<byte>[] { payload });
            engine.Write(batch, sync);
        }
        Write(sync: true);
        long direct = engine.DirectWriteBytes;
        if (!dir.SupportsDirectIo())
        {
            Assert.Equal(0, direct);
            return;
        }
        Assert.True(direct > 0, "the first synced group of a prefilled file is written directly");
        Write(sync: false);
        Assert.Equal(direct, engine.DirectWriteBytes);
        // The unsynced bytes before it are only in the page cache: this group takes write + fdatasync.
        Write(sync: true);
        Assert.Equal(direct, engine.DirectWriteBytes);
        Write(sync: true);
        if (mapped)
        {
            // The unsynced group went through the mapping, whose pre-faulting the flusher may still run ahead of the
            // writer: no direct writes in this file. The next file takes them again.
            Assert.Equal(direct, engine.DirectWriteBytes);
            ulong seq = engine.Pipe.ActiveSeq;
            while (engine.Pipe.ActiveSeq == seq)
            {
                Write(sync: true);
            }
            Write(sync: true);
        }
        Assert.True(engine.DirectWriteBytes > direct, "back-to-back synced groups are written directly again");
        Assert.True(engine.GetMemoryUsage().WriteBufferBytes > 0);
        RaftEngineMemoryUsage usage = engine.GetMemoryUsage();
        Assert.Equal(usage.IndexBytes + usage.BlockCacheBytes + usage.WriteBufferBytes, usage.TotalBytes);
    }

    [Fact]
    public void SwitchedOffUsesTheBufferedPath()
    {
        using var dir = new TempDir();
        RaftEngineOptions options = Options(mapped: false, align: 0);
        options.DirectSyncedWrites = false;
        using RaftLogEngine engine = RaftLogEngine.Open(dir.Path, options);
        var batch = new LogBatch();
        batch.AddEntries(1, 1, new ReadOnlyMemory<byte>[] { new byte[100] });
        engine.Write(batch, sync: true);
        Assert.Equal(0, engine.DirectWriteBytes);
        Assert.Equal(0, engine.GetMemoryUsage().WriteBufferBytes);
    }

    [Theory]
    [InlineData(256)]
    [InlineData(3000)]
    [InlineData(128 << 10)]
    public void AlignmentOutOfRangeIsRefused(int align)
    {
        using var dir = new TempDir();
        RaftEngineOptions options = Options(mapped: false, align);
        Assert.Throws<ArgumentOutOfRangeException>(() => RaftLogEngine.Open(dir.Path, options));
    }
}
