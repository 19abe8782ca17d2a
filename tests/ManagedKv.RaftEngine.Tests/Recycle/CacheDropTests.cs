using ManagedKv.RaftEngine.Tests.Engine;

namespace ManagedKv.RaftEngine.Tests.Recycle;

/// <summary>
/// Dropping the page cache of old log files when the active file is a new one and the old files hold more than the
/// purge threshold (<see cref="RaftEngineOptions.MaxCachedOldFiles"/>, Linux): only files older than the newest N
/// non-active ones, each once, never while recycled files are free nor below the threshold; dropped files read back
/// correctly (from the device) and after reopening, and a dropped file entering the recycle pool is re-cached even
/// after unsynced appends.
/// </summary>
public sealed class CacheDropTests
{
    private static RaftEngineOptions Options(int cachedOld, int recycle, long purgeThreshold = 64 << 10) => new()
    {
        TargetFileSize = 32 << 10,
        PurgeThreshold = purgeThreshold,
        MaxRecycledFiles = recycle,
        PrefillForRecycle = false,
        MaxCachedOldFiles = cachedOld,
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

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void OldFilesAreDroppedOnceAndStillRead(int cachedOld)
    {
        using var dir = new TempDir();
        var model = new LogModel();
        using (RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(cachedOld, recycle: 0)))
        {
            for (int i = 0; i < 120; i++)
            {
                Append(engine, model, (ulong)(i % 3) + 1, 2000, sync: i % 5 == 0);
            }
            int files = engine.FileCount;
            Assert.True(files > cachedOld + 3, $"only {files} files");
            if (OperatingSystem.IsLinux())
            {
                // Every non-active file but the newest `cachedOld` (files at open: none), each once.
                Assert.Equal(files - 1 - cachedOld, engine.DroppedCacheFiles);
            }
            else
            {
                Assert.Equal(0, engine.DroppedCacheFiles);
            }
            Verify(engine, model);
        }
        using (RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(cachedOld, recycle: 0)))
        {
            Verify(engine, model);
        }
    }

    [Fact]
    public void NeverDroppedBelowThePurgeThreshold()
    {
        using var dir = new TempDir();
        var model = new LogModel();
        using RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(0, recycle: 0, purgeThreshold: 1L << 30));
        for (int i = 0; i < 60; i++)
        {
            Append(engine, model, 1, 2000, sync: false);
        }
        Assert.True(engine.FileCount > 3);
        Assert.Equal(0, engine.DroppedCacheFiles);
        Verify(engine, model);
    }

    [Fact]
    public void NeverDroppedWithTheLimitOff()
    {
        using var dir = new TempDir();
        var model = new LogModel();
        using RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(int.MaxValue, recycle: 0));
        for (int i = 0; i < 60; i++)
        {
            Append(engine, model, 1, 2000, sync: false);
        }
        Assert.True(engine.FileCount > 3);
        Assert.Equal(0, engine.DroppedCacheFiles);
        Verify(engine, model);
    }

    [Fact]
    public void DroppedFilesEnteringThePoolAreRecachedAfterUnsyncedAppends()
    {
        using var dir = new TempDir();
        var model = new LogModel();
        using RaftLogEngine engine = RaftLogEngine.Open(dir.Path, Options(cachedOld: 0, recycle: 4));
        for (int i = 0; i < 60; i++)
        {
            Append(engine, model, 1, 2000, sync: false);
        }
        // The pool is empty: every new active file dropped the one before.
        long dropped = engine.DroppedCacheFiles;
        Assert.Equal(OperatingSystem.IsLinux(), dropped > 0);
        var batch = new LogBatch();
        ulong last = model.Regions[1].Last;
        batch.Compact(1, last);
        model.Compact(1, last);
        engine.Write(batch, sync: false);
        engine.PurgeExpiredFiles();
        Assert.True(engine.RecycledFileCount > 0);
        // Unsynced appends only: without the drop no re-cache would run (RecacheTests).
        Assert.Equal(OperatingSystem.IsLinux(), engine.RecycleRecacheBytes > 0);
        int pooled = engine.RecycledFileCount;
        // Fewer rotations than pooled files.
        for (int i = 0; i < 8 * pooled; i++)
        {
            Append(engine, model, 2, 2000, sync: false);
        }
        Assert.True(engine.RecycledFileReuses > 0);
        // Files from the pool were free while these rotations ran: no new drops.
        Assert.Equal(dropped, engine.DroppedCacheFiles);
        Verify(engine, model);
    }
}
