namespace ManagedKv.RaftEngine.Tests.Recovery;

/// <summary>Files damaged on purpose, opened under each recovery mode; reads of damaged blocks.</summary>
public sealed class CorruptionTests
{
    private const int Batches = 6;

    private static RaftEngineOptions Options(RecoveryMode mode, bool preallocate = true) =>
        new() { RecoveryMode = mode, BlockCacheCapacity = 0, PreallocateFiles = preallocate, TargetFileSize = 256 << 10, MaxRecycledFiles = 2 };

    private static byte[] Entry(ulong index) => Enumerable.Range(0, 300).Select(i => (byte)(i + (int)index)).ToArray();

    // Writes `Batches` batches (one entry each for region 1, indices 1..Batches); returns each batch's file offset
    // and, last, where the data ends.
    private static long[] WriteBatches(string dir, ulong firstIndex = 1, bool preallocate = true)
    {
        var offsets = new long[Batches + 1];
        long offset = LogFileFormat.HeaderSize;
        using var engine = RaftLogEngine.Open(dir, Options(RecoveryMode.TolerateTailCorruption, preallocate));
        var batch = new LogBatch();
        for (int i = 0; i < Batches; i++)
        {
            batch.Clear();
            ulong index = firstIndex + (ulong)i;
            batch.AddEntries(1, index, new ReadOnlyMemory<byte>[] { Entry(index) });
            offsets[i] = offset;
            offset += engine.Write(batch, sync: false);
        }
        offsets[Batches] = offset;
        return offsets;
    }

    private static void Zero(string path, long offset, int count)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset;
        f.Write(new byte[count]);
    }

    // The data length the header of `file` records for its predecessor.
    private static long RecordedPreviousLength(string file)
    {
        byte[] header = File.ReadAllBytes(file).AsSpan(0, LogFileFormat.HeaderSize).ToArray();
        Assert.Null(LogFileFormat.CheckHeader(header, ulong.Parse(Path.GetFileName(file)[..16], System.Globalization.CultureInfo.InvariantCulture), out LogFileHeader parsed));
        return parsed.PrevLength;
    }

    private static void Truncate(string path, long length)
    {
        using var f = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        f.SetLength(length);
    }

    private static void AssertEntries(RaftLogEngine engine, ulong first, ulong last)
    {
        Assert.Equal(first, engine.FirstIndex(1));
        Assert.Equal(last, engine.LastIndex(1));
        for (ulong i = first; i <= last; i++)
        {
            Assert.Equal(Entry(i), engine.GetEntry(1, i));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TornTailIsCutOffUnderTolerateTailCorruption(bool preallocate)
    {
        using var dir = new TempDir();
        long[] offsets = WriteBatches(dir.Path, preallocate: preallocate);
        string file = dir.LogFiles()[0];
        if (preallocate)
        {
            Zero(file, offsets[Batches] - 10, 10); // the last batch's final page never reached the disk
        }
        else
        {
            Truncate(file, offsets[Batches] - 10);
        }
        using (var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateTailCorruption)))
        {
            AssertEntries(engine, 1, Batches - 1);
            CorruptedRange dropped = Assert.Single(engine.RecoveryReport.DroppedRanges);
            Assert.Equal(file, dropped.FilePath);
            Assert.Equal(offsets[Batches - 1], dropped.Offset);
        }
        // The file keeps its bytes; the next file's header records where its data ends.
        Assert.Equal(offsets[Batches - 1], RecordedPreviousLength(dir.LogFiles()[1]));
        // The tail is gone for good: even the strictest mode now opens, and new writes land after it.
        using (var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.AbsoluteConsistency)))
        {
            AssertEntries(engine, 1, Batches - 1);
            Assert.Empty(engine.RecoveryReport.DroppedRanges);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TornTailFailsUnderAbsoluteConsistency(bool preallocate)
    {
        using var dir = new TempDir();
        long[] offsets = WriteBatches(dir.Path, preallocate: preallocate);
        string file = dir.LogFiles()[0];
        if (preallocate)
        {
            FileDamage.FlipByte(file, offsets[Batches] - 3);
        }
        else
        {
            Truncate(file, offsets[Batches] - 3);
        }
        CorruptionException e = Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(dir.Path, Options(RecoveryMode.AbsoluteConsistency)));
        Assert.Equal(file, e.FilePath);
        Assert.Equal(offsets[Batches - 1], e.Offset);
        // Nothing was changed: a tolerant open still works afterwards.
        using var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateTailCorruption));
        AssertEntries(engine, 1, Batches - 1);
    }

    // Opens a copy of `file` under each mode: every batch is read, nothing is dropped, and the data ends at `end`.
    private static void AssertCleanEndInEveryMode(string file, long end)
    {
        foreach (RecoveryMode mode in Enum.GetValues<RecoveryMode>())
        {
            using var copy = new TempDir();
            File.Copy(file, Path.Combine(copy.Path, Path.GetFileName(file)));
            using var engine = RaftLogEngine.Open(copy.Path, Options(mode));
            AssertEntries(engine, 1, Batches);
            Assert.Empty(engine.RecoveryReport.DroppedRanges);
            Assert.Equal(end, RecordedPreviousLength(copy.LogFiles()[1]));
        }
    }

    [Fact]
    public void PreallocatedZeroTailIsTheCleanEndInEveryMode()
    {
        using var dir = new TempDir();
        long[] offsets = WriteBatches(dir.Path);
        string file = dir.LogFiles()[0];
        Assert.True(new FileInfo(file).Length > offsets[Batches]);
        AssertCleanEndInEveryMode(file, offsets[Batches]);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(9)]
    public void MappedCopyKilledBeforeItsHeldBytesIsACleanEndInEveryMode(int held)
    {
        // A mapped append copies a group's first 16 bytes last (FORMAT.md, "End of data"). When the group's header
        // and items are shorter than that, a kill mid-copy leaves only those bytes of the old terminator zero, and
        // the group's data after them: at least 5 zero bytes (a zero checksum and items length) where the next batch
        // would start, which version 3 reads as the end of the data.
        using var dir = new TempDir();
        long[] offsets = WriteBatches(dir.Path);
        string file = dir.LogFiles()[0];
        byte[] garbage = new byte[300];
        new Random(held).NextBytes(garbage);
        garbage[0] |= 1;
        using (var f = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Position = offsets[Batches] + held;
            f.Write(garbage);
        }
        AssertCleanEndInEveryMode(file, offsets[Batches]);
        // One zero byte fewer is not a clean end: the data would go on with a damaged batch.
        using (var f = new FileStream(file, FileMode.Open, FileAccess.ReadWrite))
        {
            f.Position = offsets[Batches] + 4;
            f.WriteByte(0xA5);
        }
        CorruptionException e = Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(dir.Path, Options(RecoveryMode.AbsoluteConsistency)));
        Assert.Equal(offsets[Batches], e.Offset);
    }

    [Fact]
    public void OlderFileDataEndingBeforeItsRecordedLengthIsCorruption()
    {
        using var dir = new TempDir();
        long[] offsets = WriteBatches(dir.Path);
        WriteBatches(dir.Path, firstIndex: Batches + 1);
        string older = dir.LogFiles()[0];
        // A zeroed header in an older file is not an end of data: the next file says the data goes on.
        Zero(older, offsets[4], BatchFormat.TerminatorSize);
        CorruptionException e = Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateTailCorruption)));
        Assert.Equal(older, e.FilePath);
        Assert.Equal(offsets[4], e.Offset);
        using var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateAnyCorruption));
        Assert.Equal(offsets[4], Assert.Single(engine.RecoveryReport.DroppedRanges).Offset);
        Assert.Equal(2UL * Batches, engine.LastIndex(1));
    }

    [Fact]
    public void DamagedMiddleBatchOfNewestFileUnderEachMode()
    {
        using var dir = new TempDir();
        long[] offsets = WriteBatches(dir.Path);
        string file = dir.LogFiles()[0];
        FileDamage.FlipByte(file, offsets[2] + 7 + 2); // inside the items of batch 3 (its header: checksum, items length, 2-byte data length)

        CorruptionException e = Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(dir.Path, Options(RecoveryMode.AbsoluteConsistency)));
        Assert.Equal(offsets[2], e.Offset);
        Assert.Contains("checksum", e.Reason);

        using var copy = new TempDir();
        File.Copy(file, Path.Combine(copy.Path, Path.GetFileName(file)));
        using (var engine = RaftLogEngine.Open(copy.Path, Options(RecoveryMode.TolerateAnyCorruption)))
        {
            // Only batch 3 is skipped; entries 4.. follow a hole, so (as for any append past LastIndex + 1) they replace 1..2.
            Assert.Equal(4UL, engine.FirstIndex(1));
            AssertEntries(engine, 4, Batches);
            CorruptedRange dropped = Assert.Single(engine.RecoveryReport.DroppedRanges);
            Assert.Equal(offsets[2], dropped.Offset);
            Assert.Equal(offsets[3] - offsets[2], dropped.Length);
        }

        using (var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateTailCorruption)))
        {
            // In the newest file a bad batch is taken for a torn tail: everything from it on is cut.
            AssertEntries(engine, 1, 2);
        }
    }

    [Fact]
    public void DamagedEntryBlockInOlderFileFailsUnderTolerateTailAndIsSkippedUnderTolerateAny()
    {
        using var dir = new TempDir();
        long[] offsets = WriteBatches(dir.Path);
        WriteBatches(dir.Path, firstIndex: Batches + 1); // a second, newer file
        string older = dir.LogFiles()[0];
        long blockByte = offsets[4 - 1] + 40; // inside the entry data of batch 4
        FileDamage.FlipByte(older, blockByte);

        CorruptionException e = Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateTailCorruption)));
        Assert.Equal(older, e.FilePath);
        Assert.Equal(offsets[3], e.Offset);
        Assert.Equal("entry block checksum mismatch", e.Reason);
        Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(dir.Path, Options(RecoveryMode.AbsoluteConsistency)));

        using var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateAnyCorruption));
        Assert.Single(engine.RecoveryReport.DroppedRanges);
        Assert.Equal(2UL * Batches, engine.LastIndex(1));
        Assert.Null(engine.GetEntry(1, 4));
        Assert.Equal(Entry(5), engine.GetEntry(1, 5));
    }

    [Fact]
    public void GarbageLengthIsResyncedUnderTolerateAny()
    {
        using var dir = new TempDir();
        long[] offsets = WriteBatches(dir.Path);
        string file = dir.LogFiles()[0];
        FileDamage.FlipByte(file, offsets[1] + 6); // the total length of batch 2: the reader cannot just skip it
        using var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateAnyCorruption));
        CorruptedRange dropped = Assert.Single(engine.RecoveryReport.DroppedRanges);
        Assert.Equal(offsets[1], dropped.Offset);
        Assert.Equal(offsets[2] - offsets[1], dropped.Length);
        AssertEntries(engine, 3, Batches);
    }

    [Fact]
    public void DamagedFileHeaderUnderEachMode()
    {
        using var dir = new TempDir();
        WriteBatches(dir.Path);
        string file = dir.LogFiles()[0];
        FileDamage.FlipByte(file, 3);
        CorruptionException e = Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(dir.Path, Options(RecoveryMode.AbsoluteConsistency)));
        Assert.Equal(0, e.Offset);
        using (var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateAnyCorruption)))
        {
            Assert.Null(engine.FirstIndex(1));
            Assert.Single(engine.RecoveryReport.DroppedRanges);
        }
        // Now the damaged file is no longer the newest one: TolerateTail refuses it.
        Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateTailCorruption)));
    }

    [Fact]
    public void HalfCreatedNewestFileIsRemovedUnderTolerateTail()
    {
        using var dir = new TempDir();
        WriteBatches(dir.Path);
        string half = Path.Combine(dir.Path, LogFileFormat.FileName(99));
        File.WriteAllBytes(half, [0x4D, 0x4B]);
        Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(dir.Path, Options(RecoveryMode.AbsoluteConsistency)));
        using var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateTailCorruption));
        AssertEntries(engine, 1, Batches);
        Assert.False(File.Exists(half));
    }

    [Fact]
    public void ReadOfDamagedBlockThrowsCorruptionNotWrongData()
    {
        using var dir = new TempDir();
        using var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateTailCorruption));
        var batch = new LogBatch();
        batch.AddEntries(1, 1, new ReadOnlyMemory<byte>[] { Entry(1) });
        long size = engine.Write(batch, sync: false);
        string file = dir.LogFiles()[0];
        FileDamage.FlipByte(file, LogFileFormat.HeaderSize + size - 20); // inside the entry
        CorruptionException e = Assert.Throws<CorruptionException>(() => engine.GetEntry(1, 1));
        Assert.Equal(file, e.FilePath);
        Assert.Throws<CorruptionException>(() => engine.FetchEntries(1, 1, 2, long.MaxValue, []));
    }
}
