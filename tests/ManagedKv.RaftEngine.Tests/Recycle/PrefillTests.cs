namespace ManagedKv.RaftEngine.Tests.Recycle;

/// <summary>
/// <see cref="RaftEngineOptions.PrefillForRecycle"/> (FORMAT.md, "Recycling"): open fills the recycle pool with
/// files of zeros, the active files are taken from it, and recovery reads the resulting directory in every mode, on
/// both write paths, after clean closes and with unfinished prefills left behind.
/// </summary>
public sealed class PrefillTests
{
    private const int FileSize = 16 << 10;
    private const int Pool = 3;

    private static RaftEngineOptions Options(bool mapped, RecoveryMode mode = RecoveryMode.TolerateTailCorruption) => new()
    {
        TargetFileSize = FileSize,
        PurgeThreshold = 2 * FileSize,
        MaxRecycledFiles = Pool,
        UseMemoryMappedWrites = mapped,
        RecoveryMode = mode,
        BlockCacheCapacity = 0,
    };

    private static byte[] Entry(ulong region, ulong index) =>
        Enumerable.Range(0, 700).Select(i => (byte)(i * 13 + (int)index + (int)region * 7)).ToArray();

    private static string[] Pooled(string dir) => Directory.GetFiles(dir, "*" + LogFileFormat.RecycleExtension);

    // Appends `count` entries to regions 1 and 2 (keeping the last 8 of each), syncing every third write and purging
    // every fourth, so files rotate through the pool. Returns the last index.
    private static ulong Append(RaftLogEngine engine, ulong last, int count)
    {
        var batch = new LogBatch();
        for (int i = 0; i < count; i++)
        {
            last++;
            batch.Clear();
            for (ulong region = 1; region <= 2; region++)
            {
                batch.AddEntries(region, last, new ReadOnlyMemory<byte>[] { Entry(region, last) });
                batch.PutState(region, "last"u8, BitConverter.GetBytes(last));
                if (last > 8)
                {
                    batch.Compact(region, last - 7);
                }
            }
            engine.Write(batch, sync: i % 3 == 0);
            if (i % 4 == 3)
            {
                engine.PurgeExpiredFiles();
            }
        }
        return last;
    }

    private static void AssertState(RaftLogEngine engine, ulong last)
    {
        for (ulong region = 1; region <= 2; region++)
        {
            Assert.Equal(last - 7, engine.FirstIndex(region));
            Assert.Equal(last, engine.LastIndex(region));
            for (ulong i = last - 7; i <= last; i++)
            {
                Assert.Equal(Entry(region, i), engine.GetEntry(region, i));
            }
            Assert.Equal(BitConverter.GetBytes(last), engine.GetState(region, "last"u8));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void PrefilledPoolServesActiveFilesAndRecoversInEveryMode(bool mapped)
    {
        using var dir = new TempDir();
        ulong last;
        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped)))
        {
            // The pool was filled with zeros, and the first active file already came from it.
            Assert.Equal(Pool, engine.PrefilledFileCount);
            Assert.Equal((long)Pool * FileSize, engine.PrefillBytes);
            Assert.Equal(1, engine.RecycledFileReuses);
            Assert.Equal(Pool - 1, engine.RecycledFileCount);
            foreach (string f in Pooled(dir.Path))
            {
                byte[] bytes = File.ReadAllBytes(f);
                Assert.Equal(FileSize, bytes.Length);
                Assert.True(bytes.AsSpan().IndexOfAnyExcept((byte)0) < 0, $"{f} is not all zeros");
            }
            last = Append(engine, 0, 60);
            Assert.True(engine.RecycledFileReuses >= 3, $"{engine.RecycledFileReuses} reuses");
            AssertState(engine, last);
        }
        Assert.Empty(Directory.GetFiles(dir.Path, "*" + LogFileFormat.PrefillExtension));
        foreach (RecoveryMode mode in Enum.GetValues<RecoveryMode>())
        {
            foreach (bool reopenMapped in new[] { true, false })
            {
                using var copy = new TempDir();
                foreach (string f in Directory.GetFiles(dir.Path))
                {
                    File.Copy(f, Path.Combine(copy.Path, Path.GetFileName(f)));
                }
                int pooledBefore = Pooled(copy.Path).Length;
                using var engine = RaftLogEngine.Open(copy.Path, Options(reopenMapped, mode));
                Assert.Empty(engine.RecoveryReport.DroppedRanges);
                AssertState(engine, last);
                // A reopen only tops the pool up (one pooled file became the new active file).
                Assert.Equal(Pool - pooledBefore, engine.PrefilledFileCount);
                Assert.Equal(Pool - 1, engine.RecycledFileCount);
                ulong more = Append(engine, last, 30);
                AssertState(engine, more);
            }
        }
    }

    [Fact]
    public void UnfinishedPrefillIsDeletedAndNeverRead()
    {
        using var dir = new TempDir();
        ulong last;
        ulong maxSeq;
        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped: true)))
        {
            last = Append(engine, 0, 20);
        }
        maxSeq = Directory.GetFiles(dir.Path).Select(Path.GetFileName)
            .Where(n => n!.EndsWith(LogFileFormat.Extension, StringComparison.Ordinal) || n.EndsWith(LogFileFormat.RecycleExtension, StringComparison.Ordinal))
            .Max(n => ulong.Parse(n![..16], System.Globalization.CultureInfo.InvariantCulture));
        // A process killed mid-prefill leaves a half-written file under its prefill name, with the next sequence.
        string unfinished = Path.Combine(dir.Path, LogFileFormat.PrefillFileName(maxSeq + 1));
        File.WriteAllBytes(unfinished, Enumerable.Repeat((byte)0x5A, 5000).ToArray());
        foreach (string pooled in Pooled(dir.Path))
        {
            File.Delete(pooled);
        }
        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped: false, RecoveryMode.AbsoluteConsistency)))
        {
            Assert.False(File.Exists(unfinished));
            Assert.Empty(engine.RecoveryReport.DroppedRanges);
            AssertState(engine, last);
            Assert.Equal(Pool, engine.PrefilledFileCount);
            // Sequence numbers stay unique: the unfinished prefill's number is not reused.
            Assert.DoesNotContain(Directory.GetFiles(dir.Path), f => Path.GetFileName(f).StartsWith(LogFileFormat.FileName(maxSeq + 1)[..16], StringComparison.Ordinal));
            last = Append(engine, last, 10);
        }
        using (var engine = RaftLogEngine.Open(dir.Path, Options(mapped: true, RecoveryMode.AbsoluteConsistency)))
        {
            AssertState(engine, last);
        }
    }

    [Fact]
    public void PrefillOffLeavesThePoolToPurge()
    {
        using var dir = new TempDir();
        RaftEngineOptions options = Options(mapped: true);
        options.PrefillForRecycle = false;
        using var engine = RaftLogEngine.Open(dir.Path, options);
        Assert.Equal(0, engine.PrefilledFileCount);
        Assert.Equal(0, engine.RecycledFileReuses);
        Assert.Empty(Pooled(dir.Path));
        ulong last = Append(engine, 0, 60);
        Assert.True(engine.RecycledFileReuses > 0);
        AssertState(engine, last);
    }
}
