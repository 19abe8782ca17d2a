using ManagedKv.RaftEngine.Tests.Engine;

namespace ManagedKv.RaftEngine.Tests.Recycle;

/// <summary>
/// Purge dropping the page cache of the old files it leaves in place (<see cref="RaftEngineOptions.DropPinnedFileCache"/>,
/// Linux): only past the purge threshold, only files older than the newest threshold / 2 bytes, each once; dropped
/// files read back correctly (from the device) and after reopening, and a dropped file entering the recycle pool is
/// re-cached even after unsynced appends.
/// </summary>
public sealed class CacheDropTests
{
    // Regions above 1 KiB are never rewritten: past the 64 KiB threshold, old files stay pinned.
    private static RaftEngineOptions Options(long purgeThreshold = 64 << 10, bool drop = true) => new()
    {
        TargetFileSize = 32 << 10,
        PurgeThreshold = purgeThreshold,
        PurgeRewriteMaxRegionBytes = 1024,
        MaxRecycledFiles = 4,
        PrefillForRecycle = false,
        DropPinnedFileCache = drop,
        BlockCacheCapacity = 0,
    };

    private static void Append(RaftLogEngine engine, LogModel model, ulong region, int size, bool sync)
    {
        ulong first = model.Regions.TryGetValue(region, out LogModel.Region? r) && r.Entries.Count > 0 ? r.Last + 1 : 1;
        var entry = new byte[size];
        new Random(HashCode.Combine(region, first)).NextBytes(entry);
        var batch = new LogBatch();
        ReadOnlyMemory<byte>[] entries = [entry];
        batch.AddEntries(region, first, entries);
        model.Append(region, first, entries);
        engine.Write(batch, sync);
    }

    private static void Verify(RaftLogEngine engine, LogModel model)
    {
        var got = new List<byte[]>();
        foreach ((ulong id, LogModel.Region r) in model.Regions)
        {
            got.Clear();
            engine.FetchEntries(id, r.First, r.Last + 1, long.MaxValue, got);
            Assert.Equal(r.Entries.Count, got.Count);
            for (int i = 0; i < got.Count; i++)
            {
                Assert.True(got[i].AsSpan().SequenceEqual(r.Entries[i]), $"region {id} entry {r.First + (ulong)i} differs");
            }
        }
    }

    private static void Fill(RaftLogEngine engine, LogModel model, int appends)
    {
        for (int i = 0; i < appends; i++)
        {
            Append(engine, model, (ulong)(i % 3) + 1, 2000, sync: i % 5 == 0);
        }
    }

    [Fact]
    public void PinnedFilesPastTheThresholdAreDroppedOnceAndStillRead()
    {
        using var dir = new TempDir();
        var model = new LogModel();
        using (RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options()))
        {
            Fill(engine, model, 120);
            int files = engine.FileCount;
            Assert.True(files > 6, $"only {files} files");
            Assert.Empty(engine.PurgeExpiredFiles().Except([1UL, 2UL, 3UL]));
            Assert.Equal(files, engine.FileCount); // nothing freed: every file holds live data
            long dropped = engine.DroppedCacheFiles;
            if (OperatingSystem.IsLinux())
            {
                // All but the newest 32 KiB (threshold / 2) of old files, i.e. all but the newest one or two.
                Assert.InRange(dropped, files - 3, files - 2);
            }
            else
            {
                Assert.Equal(0, dropped);
            }
            engine.PurgeExpiredFiles();
            Assert.Equal(dropped, engine.DroppedCacheFiles); // each file once
            Verify(engine, model);
        }
        using (RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options()))
        {
            Verify(engine, model);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void NothingDroppedBelowTheThresholdOrSwitchedOff(bool belowThreshold)
    {
        using var dir = new TempDir();
        var model = new LogModel();
        using RaftLogEngine engine = RaftLogEngine.Open(dir.Path, belowThreshold ? Options(purgeThreshold: 1L << 30) : Options(drop: false));
        Fill(engine, model, 120);
        engine.PurgeExpiredFiles();
        Assert.True(engine.FileCount > 6);
        Assert.Equal(0, engine.DroppedCacheFiles);
        Verify(engine, model);
    }

    [Fact]
    public void DroppedFilesEnteringThePoolAreRecachedAfterUnsyncedAppends()
    {
        using var dir = new TempDir();
        var model = new LogModel();
        using RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options());
        for (int i = 0; i < 120; i++)
        {
            Append(engine, model, (ulong)(i % 3) + 1, 2000, sync: false);
        }
        engine.PurgeExpiredFiles();
        Assert.Equal(OperatingSystem.IsLinux(), engine.DroppedCacheFiles > 0);
        Assert.Equal(0, engine.RecycleRecacheBytes);
        // Raft log GC: the old files are free now and enter the pool.
        var batch = new LogBatch();
        foreach (ulong id in new ulong[] { 1, 2, 3 })
        {
            ulong last = model.Regions[id].Last;
            batch.Compact(id, last);
            model.Compact(id, last);
        }
        engine.Write(batch, sync: false);
        engine.PurgeExpiredFiles();
        Assert.True(engine.RecycledFileCount > 0);
        // Unsynced appends only: without the drop no re-cache would run (RecacheTests).
        Assert.Equal(OperatingSystem.IsLinux(), engine.RecycleRecacheBytes > 0);
        for (int i = 0; i < 40; i++)
        {
            Append(engine, model, 4, 2000, sync: false);
        }
        Assert.True(engine.RecycledFileReuses > 0);
        Verify(engine, model);
    }
}
