using System.Buffers.Binary;

namespace ManagedKv.RaftEngine.Tests.Recycle;

/// <summary>
/// File recycling (FORMAT.md, "Recycling" and "End of data"): purged files are reused as active files, recovery
/// never replays a previous life's batches, in every recovery mode and on both write paths; version 1 files are
/// still read.
/// </summary>
public sealed class RecycleTests
{
    private const ulong OldRegion = 100;
    private const ulong LiveRegion = 1;

    private static RaftEngineOptions Options(bool mapped, RecoveryMode mode = RecoveryMode.TolerateTailCorruption, int maxRecycled = 8) => new()
    {
        TargetFileSize = 4096,
        PurgeThreshold = 8192,
        MaxRecycledFiles = maxRecycled,
        // These tests need purged files in the pool (a previous life's batches behind the data); PrefillTests covers
        // the prefilled pool.
        PrefillForRecycle = false,
        UseMemoryMappedWrites = mapped,
        RecoveryMode = mode,
        BlockCacheCapacity = 0,
    };

    private static byte[] Entry(ulong index) => Enumerable.Range(0, 100).Select(i => (byte)(i * 7 + (int)index)).ToArray();

    // Fills files with batches of OldRegion (entries and a state), cleans it, then appends to LiveRegion (keeping its
    // last 4 entries) and purges until a purged file has been reused and holds new data followed by stale batches.
    // Returns LiveRegion's last index.
    private static ulong WriteUntilRecycled(RaftLogEngine engine)
    {
        var batch = new LogBatch();
        for (ulong i = 1; i <= 120; i++)
        {
            batch.Clear();
            batch.AddEntries(OldRegion, i, new ReadOnlyMemory<byte>[] { Entry(i) });
            batch.PutState(OldRegion, "old"u8, BitConverter.GetBytes(i));
            engine.Write(batch, sync: false);
        }
        batch.Clear();
        batch.Clean(OldRegion);
        engine.Write(batch, sync: true);
        ulong last = 0;
        for (int step = 0; step < 2000; step++)
        {
            batch.Clear();
            last++;
            batch.AddEntries(LiveRegion, last, new ReadOnlyMemory<byte>[] { Entry(last) });
            if (last > 4)
            {
                batch.Compact(LiveRegion, last - 3);
            }
            engine.Write(batch, sync: (step & 3) == 0);
            if (step % 8 == 0)
            {
                engine.PurgeExpiredFiles();
            }
            if (engine.RecycledFileReuses > 0 && step % 8 == 7)
            {
                return last;
            }
        }
        throw new Xunit.Sdk.XunitException("no purged file was recycled");
    }

    private static void AssertState(RaftLogEngine engine, ulong last)
    {
        Assert.Null(engine.GetState(OldRegion, "old"u8));
        Assert.Null(engine.FirstIndex(OldRegion));
        Assert.Equal(last - 3, engine.FirstIndex(LiveRegion));
        Assert.Equal(last, engine.LastIndex(LiveRegion));
        for (ulong i = last - 3; i <= last; i++)
        {
            Assert.Equal(Entry(i), engine.GetEntry(LiveRegion, i));
        }
    }

    private static ulong SeqOf(string file) => ulong.Parse(Path.GetFileName(file)[..16], System.Globalization.CultureInfo.InvariantCulture);

    private static long DataEnd(string file) => BatchBytes.DataEnd(file);

    private static string CopyDir(string from, string to)
    {
        foreach (string f in Directory.GetFiles(from))
        {
            File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        }
        return to;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RecycledFilesAreReusedAndRecoveredInEveryMode(bool mapped)
    {
        using var dir = new TempDir();
        ulong last;
        string active;
        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped)))
        {
            last = WriteUntilRecycled(engine);
            AssertState(engine, last);
            active = dir.LogFiles()[^1];
        }
        // The reused file holds a previous life's batches after the new data and its zero terminator.
        byte[] bytes = File.ReadAllBytes(active);
        long end = DataEnd(active);
        Assert.True(bytes.AsSpan((int)end, BatchFormat.TerminatorSize).IndexOfAnyExcept((byte)0) < 0, "no zero terminator after the data");
        Assert.True(bytes.AsSpan((int)end + BatchFormat.TerminatorSize).IndexOfAnyExcept((byte)0) >= 0, "the recycled file shows no stale bytes");
        foreach (RecoveryMode mode in Enum.GetValues<RecoveryMode>())
        {
            foreach (bool reopenMapped in new[] { true, false })
            {
                using var copy = new TempDir();
                CopyDir(dir.Path, copy.Path);
                using var engine = RaftLogEngine.Open(copy.Path, Options(reopenMapped, mode));
                Assert.Empty(engine.RecoveryReport.DroppedRanges);
                AssertState(engine, last);
                // And the reopened engine keeps recycling correctly.
                ulong more = WriteUntilRecycled(engine);
                AssertState(engine, more);
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void StaleBatchesAreNeverReplayedWhenTheTerminatorIsLost(bool mapped)
    {
        using var dir = new TempDir();
        ulong last;
        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped)))
        {
            last = WriteUntilRecycled(engine);
        }
        string active = dir.LogFiles()[^1];
        long end = DataEnd(active);
        // Power loss garbled the terminator: behind it lie whole batches of OldRegion from the file's first life,
        // which a resynchronizing scan will find; their file tag and checksum seed name another file.
        using (var f = new FileStream(active, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Position = end;
            f.Write(Enumerable.Repeat((byte)0xA5, BatchFormat.TerminatorSize).ToArray());
        }
        using (var copy = new TempDir())
        {
            CorruptionException e = Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(CopyDir(dir.Path, copy.Path), Options(mapped, RecoveryMode.AbsoluteConsistency)));
            Assert.Equal(end, e.Offset);
        }
        foreach (RecoveryMode mode in new[] { RecoveryMode.TolerateTailCorruption, RecoveryMode.TolerateAnyCorruption })
        {
            using var copy = new TempDir();
            using var engine = RaftLogEngine.Open(CopyDir(dir.Path, copy.Path), Options(mapped, mode));
            Assert.Equal(end, engine.RecoveryReport.DroppedRanges[0].Offset);
            AssertState(engine, last);
        }
    }

    [Fact]
    public void RecycledFilesFoundAtOpenAreReusedAndExtrasDeleted()
    {
        using var dir = new TempDir();
        ulong last;
        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped: true)))
        {
            last = WriteUntilRecycled(engine);
            // Purge until several files wait for reuse.
            for (int i = 0; i < 40 && engine.RecycledFileCount < 2; i++)
            {
                var batch = new LogBatch();
                batch.AddEntries(LiveRegion, ++last, new ReadOnlyMemory<byte>[] { Entry(last) });
                batch.Compact(LiveRegion, last - 3);
                engine.Write(batch, sync: false);
                engine.PurgeExpiredFiles();
            }
            Assert.True(engine.RecycledFileCount >= 2);
        }
        Assert.True(Directory.GetFiles(dir.Path, "*" + LogFileFormat.RecycleExtension).Length >= 2);
        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped: true, maxRecycled: 1)))
        {
            // One kept, the others deleted; the kept one became the new active file at once.
            Assert.Equal(1, engine.RecycledFileReuses);
            Assert.Equal(0, engine.RecycledFileCount);
            Assert.Empty(Directory.GetFiles(dir.Path, "*" + LogFileFormat.RecycleExtension));
            AssertState(engine, last);
        }
        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped: false, RecoveryMode.AbsoluteConsistency, maxRecycled: 0)))
        {
            AssertState(engine, last);
        }
    }

    [Fact]
    public void VersionOneFilesAreStillReadAndFollowedByCurrentVersionFiles()
    {
        using var dir = new TempDir();
        // A version 1 file as the code of that version wrote it: 16-byte header, batches with flags 0.
        byte[] encoded = BatchBytes.VersionTwoBatch(1, 0, LiveRegion, 1, [Entry(1), Entry(2)], "k"u8.ToArray(), "v1"u8.ToArray());
        byte[] header = Convert.FromHexString("4D4B56524146544C" + "01000000" + "3DDA38BE");
        File.WriteAllBytes(Path.Combine(dir.Path, LogFileFormat.FileName(1)), [.. header, .. encoded]);
        var batch = new LogBatch();

        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped: true, RecoveryMode.AbsoluteConsistency)))
        {
            Assert.Equal(Entry(2), engine.GetEntry(LiveRegion, 2));
            batch.Clear();
            batch.AddEntries(LiveRegion, 3, new ReadOnlyMemory<byte>[] { Entry(3) });
            engine.Write(batch, sync: true);
        }
        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped: false, RecoveryMode.AbsoluteConsistency)))
        {
            Assert.Equal(1UL, engine.FirstIndex(LiveRegion));
            Assert.Equal(Entry(1), engine.GetEntry(LiveRegion, 1));
            Assert.Equal(Entry(3), engine.GetEntry(LiveRegion, 3));
            Assert.Equal("v1"u8.ToArray(), engine.GetState(LiveRegion, "k"u8));
        }
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(dir.LogFiles()[0]).AsSpan(8)));
        // The new file is of the current version, and its batches walk by that version's headers.
        string newer = dir.LogFiles()[1];
        Assert.Equal(LogFileFormat.Version, BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(newer).AsSpan(8)));
        Assert.Single(BatchBytes.Walk(newer, out _));
    }
}
