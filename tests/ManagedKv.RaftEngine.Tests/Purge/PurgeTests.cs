namespace ManagedKv.RaftEngine.Tests.Purge;

public sealed class PurgeTests
{
    private static readonly RaftEngineOptions s_options = new()
    {
        TargetFileSize = 16 << 10,
        PurgeThreshold = 64 << 10,
        PurgeRewriteMaxRegionBytes = 8 << 10,
    };

    private static ReadOnlyMemory<byte>[] Entries(ulong region, ulong first, int count, int size)
    {
        var list = new ReadOnlyMemory<byte>[count];
        for (int i = 0; i < count; i++)
        {
            byte[] e = new byte[size];
            new Random((int)(region * 1_000_003 + first + (ulong)i)).NextBytes(e);
            list[i] = e;
        }
        return list;
    }

    // Region 2 streams entries and keeps its log short, as Raft log GC does; returns its next index.
    private static ulong Stream(RaftLogEngine engine, ulong from, int batches)
    {
        var batch = new LogBatch();
        ulong next = from;
        for (int i = 0; i < batches; i++)
        {
            batch.Clear();
            batch.AddEntries(2, next, Entries(2, next, 4, 500));
            next += 4;
            batch.Compact(2, next - 8);
            engine.Write(batch, false);
        }
        return next;
    }

    [Fact]
    public void LaggingSmallRegionIsRewrittenAndOldFilesDeleted()
    {
        using var dir = new TempDir();
        using (var engine = RaftLogEngine.Open(dir.Path, s_options))
        {
            var batch = new LogBatch();
            batch.AddEntries(1, 10, Entries(1, 10, 3, 100));
            batch.PutState(1, "hs"u8, "x"u8);
            engine.Write(batch, false);
            Stream(engine, 1, 200);
            int before = engine.FileCount;
            Assert.Empty(engine.PurgeExpiredFiles());
            Assert.True(engine.RewriteBytes > 0, "the lagging region was not rewritten");
            Assert.True(engine.RewriteBytes < 4096, $"rewrote {engine.RewriteBytes} bytes for a 300-byte region");
            Assert.True(engine.FileCount < before / 3, $"{engine.FileCount} files left of {before}");
            Assert.True(engine.TotalFileBytes <= s_options.PurgeThreshold, $"{engine.TotalFileBytes} bytes left");
            Assert.Equal(Entries(1, 11, 1, 100)[0].ToArray(), engine.GetEntry(1, 11));
        }
        using (var engine = RaftLogEngine.Open(dir.Path, s_options))
        {
            Assert.Equal(10UL, engine.FirstIndex(1));
            Assert.Equal(12UL, engine.LastIndex(1));
            Assert.Equal(Entries(1, 12, 1, 100)[0].ToArray(), engine.GetEntry(1, 12));
            Assert.Equal("x"u8.ToArray(), engine.GetState(1, "hs"u8));
        }
    }

    [Fact]
    public void RegionTooLargeToRewriteIsReportedAndPinsFilesUntilCompacted()
    {
        using var dir = new TempDir();
        using var engine = RaftLogEngine.Open(dir.Path, s_options);
        var batch = new LogBatch();
        for (ulong i = 1; i <= 40; i += 4)
        {
            batch.Clear();
            batch.AddEntries(1, i, Entries(1, i, 4, 500)); // 20 KB of live log: over the 8 KiB rewrite limit
            engine.Write(batch, false);
        }
        Stream(engine, 1, 200);
        Assert.Equal([1UL], engine.PurgeExpiredFiles());
        Assert.Equal(0, engine.RewriteBytes);
        Assert.True(engine.TotalFileBytes > s_options.PurgeThreshold);
        Assert.Equal(Entries(1, 1, 1, 500)[0].ToArray(), engine.GetEntry(1, 1));
        batch.Clear();
        batch.Compact(1, 38);
        engine.Write(batch, false);
        Assert.Empty(engine.PurgeExpiredFiles());
        Assert.True(engine.TotalFileBytes <= s_options.PurgeThreshold, $"{engine.TotalFileBytes} bytes left");
        Assert.Equal(Entries(1, 39, 1, 500)[0].ToArray(), engine.GetEntry(1, 39));
    }

    [Fact]
    public void RewriteIsSkippedWhenMostDataIsLive()
    {
        using var dir = new TempDir();
        using var engine = RaftLogEngine.Open(dir.Path, s_options);
        var batch = new LogBatch();
        // 40 regions, each a small live log in every file: rewriting would copy almost everything it frees.
        for (int round = 0; round < 12; round++)
        {
            for (ulong r = 10; r < 50; r++)
            {
                batch.Clear();
                batch.AddEntries(r, (ulong)round * 2 + 1, Entries(r, (ulong)round * 2 + 1, 2, 100));
                engine.Write(batch, false);
            }
        }
        IReadOnlyList<ulong> pinned = engine.PurgeExpiredFiles();
        Assert.Equal(0, engine.RewriteBytes);
        Assert.Equal(40, pinned.Count);
    }
}
