namespace ManagedKv.RaftEngine.Tests.Write;

/// <summary>
/// A write group of several batches is written as one merged batch (FORMAT.md, "Batch"): the bytes are pinned, the
/// split at the batch size limit, replay, and corruption inside a merged batch under each recovery mode.
/// </summary>
public sealed class MergedGroupTests
{
    private static RaftEngineOptions Options(RecoveryMode mode = RecoveryMode.AbsoluteConsistency) => new()
    {
        RecoveryMode = mode,
        BlockCacheCapacity = 0,
        MaxRecycledFiles = 0,
        UseMemoryMappedWrites = false,
        DirectSyncedWrites = false,
        TargetFileSize = 256 << 10,
    };

    private static byte[] Entry(ulong index) => Enumerable.Range(0, 300).Select(i => (byte)(i * 3 + (int)index)).ToArray();

    // Three batches, each one entry of region 1 (indices first..first+2) and a state put of region 2.
    private static LogBatch[] Group(ulong first)
    {
        var batches = new LogBatch[3];
        for (int i = 0; i < 3; i++)
        {
            ulong index = first + (ulong)i;
            batches[i] = new LogBatch();
            batches[i].AddEntries(1, index, new ReadOnlyMemory<byte>[] { Entry(index) });
            batches[i].PutState(2, "s"u8, new[] { (byte)index });
        }
        return batches;
    }

    private static void AssertLog(RaftLogEngine engine, ulong first, ulong last)
    {
        Assert.Equal(first, engine.FirstIndex(1));
        Assert.Equal(last, engine.LastIndex(1));
        for (ulong i = first; i <= last; i++)
        {
            Assert.Equal(Entry(i), engine.GetEntry(1, i));
        }
        Assert.Equal(new[] { (byte)last }, engine.GetState(2, "s"u8));
    }

    [Fact]
    public void MergedBatchBytesArePinned()
    {
        using var dir = new TempDir();
        var a = new LogBatch();
        a.AddEntries(7, 5, new ReadOnlyMemory<byte>[] { "ab"u8.ToArray(), "c"u8.ToArray() });
        var b = new LogBatch();
        b.PutState(7, "k"u8, "v"u8);
        b.AddEntries(7, 6, new ReadOnlyMemory<byte>[] { "d"u8.ToArray() });
        long written;
        using (var engine = RaftLogEngine.Open(dir.Path, Options()))
        {
            engine.WriteGroupForTest([a, b], sync: true);
            written = engine.BytesWritten;
            // One 6-byte header (items 16, data 12) for both batches' items and data.
            Assert.Equal(6 + a.BodyLength + b.BodyLength, written);
            Assert.Equal(34, written);
        }
        string file = Assert.Single(dir.LogFiles());
        Assert.Equal(1UL, ulong.Parse(Path.GetFileName(file)[..16], System.Globalization.CultureInfo.InvariantCulture));
        byte[] bytes = File.ReadAllBytes(file).AsSpan(LogFileFormat.HeaderSize, (int)written + BatchFormat.TerminatorSize).ToArray();
        string expected =
            "3605C1E5" + "10" + "0C"                            // header: checksum, items 16, data 12
            + "010705020302"                                    // batch a: Entries region 7, first 5, count 2, raw 3, length 2
            + "0207016B0176"                                    // batch b: PutState region 7 (a batch's first item names its region), "k" = "v"
            + "09060101"                                        // batch b: Entries (same region), first 6, count 1, raw 1
            + "616263" + "50392F89"                             // a's block "abc" + xxh3-low32(seed 0)
            + "64" + "CAA7C7C9"                                 // b's block "d" + xxh3-low32(seed 0)
            + "00000000000000000000000000000000";               // the terminator
        Assert.Equal(expected, Convert.ToHexString(bytes));
        using (var engine = RaftLogEngine.Open(dir.Path, Options()))
        {
            Assert.Equal("ab"u8.ToArray(), engine.GetEntry(7, 5));
            // b's entry 6 came after a's "c" in the merged batch: it replaced it.
            Assert.Equal("d"u8.ToArray(), engine.GetEntry(7, 6));
            Assert.Null(engine.GetEntry(7, 7));
            Assert.Equal("v"u8.ToArray(), engine.GetState(7, "k"u8));
        }
    }

    [Fact]
    public void GroupIsSplitAtTheBatchLimitAndReplaysInOrder()
    {
        using var dir = new TempDir();
        LogBatch[] group = Group(1);
        using (var engine = RaftLogEngine.Open(dir.Path, Options()))
        {
            // Room for two of the three batches in one merged batch: written as 2 + 1. Each batch has 12 bytes of items
            // and 304 of data; its own header and the merged one both take 7 bytes (one byte of items length, two of
            // data length).
            group[0].Finish(compressionThreshold: 0);
            Assert.Equal((7, 316), (group[0].HeaderLength, group[0].BodyLength));
            engine.MaxMergedBatchBytes = 2 * group[0].EncodedLength;
            engine.WriteGroupForTest(group, sync: false);
            Assert.Equal((3L * 316) + (2 * 7), engine.BytesWritten);
            AssertLog(engine, 1, 3);
            engine.MaxMergedBatchBytes = 1;
            engine.WriteGroupForTest(Group(4), sync: false);
            Assert.Equal((6L * 316) + (5 * 7), engine.BytesWritten);
            AssertLog(engine, 1, 6);
        }
        using (var engine = RaftLogEngine.Open(dir.Path, Options()))
        {
            AssertLog(engine, 1, 6);
        }
    }

    [Fact]
    public void DamagedMergedBatchIsDetectedAndDroppedWhole()
    {
        using var dir = new TempDir();
        long size;
        using (var engine = RaftLogEngine.Open(dir.Path, Options()))
        {
            engine.WriteGroupForTest(Group(1), sync: false);
            size = engine.BytesWritten;
            engine.WriteGroupForTest(Group(4), sync: false);
            engine.WriteGroupForTest(Group(7), sync: false);
            Assert.Equal(3 * size, engine.BytesWritten);
        }
        string file = Assert.Single(dir.LogFiles());
        long second = LogFileFormat.HeaderSize + size;

        // A byte of the second merged batch's last block (its third batch's entry).
        using (var copy = new TempDir())
        {
            string damaged = Path.Combine(copy.Path, Path.GetFileName(file));
            File.Copy(file, damaged);
            FileDamage.FlipByte(damaged, second + size - 10);
            CorruptionException e = Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(copy.Path, Options()));
            Assert.Equal(second, e.Offset);
            Assert.Equal("entry block checksum mismatch", e.Reason);
        }

        // A byte of the second merged batch's items (its second batch's items, after the 7-byte header and the first
        // batch's 12 bytes of items): the header checksum fails.
        Assert.Equal(7 + (3 * 12) + (3 * 304), size);
        FileDamage.FlipByte(file, second + 7 + 12 + 2);
        CorruptionException bad = Assert.Throws<CorruptionException>(() => RaftLogEngine.Open(dir.Path, Options()));
        Assert.Equal(second, bad.Offset);
        Assert.Contains("checksum", bad.Reason);
        using (var engine = RaftLogEngine.Open(dir.Path, Options(RecoveryMode.TolerateAnyCorruption)))
        {
            CorruptedRange dropped = Assert.Single(engine.RecoveryReport.DroppedRanges);
            Assert.Equal(second, dropped.Offset);
            Assert.Equal(size, dropped.Length);
            // The whole group 4..6 is gone; 7..9 follow a hole and replace 1..3.
            AssertLog(engine, 7, 9);
        }
    }
}
