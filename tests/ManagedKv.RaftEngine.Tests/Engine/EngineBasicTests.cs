using System.Text;

namespace ManagedKv.RaftEngine.Tests.Engine;

public sealed class EngineBasicTests
{
    // The engine's defaults with smaller files: the default recycle pool is prefilled at open (8 files of the target
    // size), which at 128 MiB files would write 1 GiB per test.
    private static RaftEngineOptions Defaults() => new() { TargetFileSize = 256 << 10 };

    private static ReadOnlyMemory<byte>[] Entries(ulong first, int count, int size, byte salt = 0)
    {
        var list = new ReadOnlyMemory<byte>[count];
        for (int i = 0; i < count; i++)
        {
            byte[] e = new byte[size];
            for (int j = 0; j < size; j++)
            {
                e[j] = (byte)((first + (ulong)i) * 31 + (ulong)j + salt);
            }
            list[i] = e;
        }
        return list;
    }

    [Fact]
    public void WrittenEntriesAndStatesReadBackAndSurviveReopen()
    {
        using var dir = new TempDir();
        var options = Defaults();
        using (var engine = RaftLogEngine.Open(dir.Path, options))
        {
            var batch = new LogBatch();
            batch.AddEntries(1, 5, Entries(5, 10, 100));
            batch.AddEntries(2, 1, Entries(1, 3, 7));
            batch.PutState(1, "hs"u8, "term=3"u8);
            long written = engine.Write(batch, sync: true);
            Assert.True(written > 10 * 100);
            Assert.Equal(5UL, engine.FirstIndex(1));
            Assert.Equal(14UL, engine.LastIndex(1));
            Assert.Equal(Entries(7, 1, 100)[0].ToArray(), engine.GetEntry(1, 7));
            Assert.Null(engine.GetEntry(1, 4));
            Assert.Null(engine.GetEntry(1, 15));
            Assert.Null(engine.GetEntry(3, 1));
            Assert.Equal("term=3"u8.ToArray(), engine.GetState(1, "hs"u8));
            Assert.Null(engine.GetState(2, "hs"u8));
        }
        using (var engine = RaftLogEngine.Open(dir.Path, options))
        {
            Assert.Equal(5UL, engine.FirstIndex(1));
            Assert.Equal(14UL, engine.LastIndex(1));
            Assert.Equal(3UL, engine.LastIndex(2));
            var into = new List<byte[]>();
            Assert.Equal(10, engine.FetchEntries(1, 5, 15, long.MaxValue, into));
            ReadOnlyMemory<byte>[] expected = Entries(5, 10, 100);
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(expected[i].ToArray(), into[i]);
            }
            Assert.Equal("term=3"u8.ToArray(), engine.GetState(1, "hs"u8));
            Assert.Equal(1, engine.RecoveryReport.FilesScanned);
        }
    }

    [Fact]
    public void AppendAtOrBelowLastIndexTruncatesConflictingSuffix()
    {
        using var dir = new TempDir();
        using var engine = RaftLogEngine.Open(dir.Path, Defaults());
        var batch = new LogBatch();
        batch.AddEntries(1, 1, Entries(1, 10, 20));
        engine.Write(batch, false);
        batch.Clear();
        batch.AddEntries(1, 6, Entries(6, 2, 20, salt: 9));
        engine.Write(batch, false);
        Assert.Equal(7UL, engine.LastIndex(1));
        Assert.Equal(Entries(6, 1, 20, salt: 9)[0].ToArray(), engine.GetEntry(1, 6));
        Assert.Equal(Entries(5, 1, 20)[0].ToArray(), engine.GetEntry(1, 5));
        Assert.Null(engine.GetEntry(1, 8));
    }

    [Fact]
    public void AppendPastLastIndexPlusOneDropsOlderEntries()
    {
        using var dir = new TempDir();
        using var engine = RaftLogEngine.Open(dir.Path, Defaults());
        var batch = new LogBatch();
        batch.AddEntries(1, 1, Entries(1, 5, 20));
        batch.AddEntries(1, 100, Entries(100, 2, 20));
        engine.Write(batch, false);
        Assert.Equal(100UL, engine.FirstIndex(1));
        Assert.Equal(101UL, engine.LastIndex(1));
    }

    [Fact]
    public void CompactAndCleanRemoveEntries()
    {
        using var dir = new TempDir();
        using var engine = RaftLogEngine.Open(dir.Path, Defaults());
        var batch = new LogBatch();
        batch.AddEntries(1, 1, Entries(1, 10, 20));
        batch.AddEntries(2, 1, Entries(1, 10, 20));
        batch.PutState(2, "k"u8, "v"u8);
        engine.Write(batch, false);
        batch.Clear();
        batch.Compact(1, 4);
        batch.Clean(2);
        engine.Write(batch, false);
        Assert.Equal(4UL, engine.FirstIndex(1));
        Assert.Null(engine.GetEntry(1, 3));
        Assert.Equal(Entries(4, 1, 20)[0].ToArray(), engine.GetEntry(1, 4));
        Assert.Null(engine.FirstIndex(2));
        Assert.Null(engine.GetState(2, "k"u8));
        batch.Clear();
        batch.Compact(1, 50);
        engine.Write(batch, false);
        Assert.Null(engine.FirstIndex(1));
        Assert.Null(engine.LastIndex(1));
    }

    [Fact]
    public void FetchStopsAtMaxBytesButReturnsAtLeastOne()
    {
        using var dir = new TempDir();
        using var engine = RaftLogEngine.Open(dir.Path, Defaults());
        var batch = new LogBatch();
        batch.AddEntries(1, 1, Entries(1, 10, 100));
        engine.Write(batch, false);
        var into = new List<byte[]>();
        Assert.Equal(1, engine.FetchEntries(1, 1, 11, 10, into));
        into.Clear();
        Assert.Equal(3, engine.FetchEntries(1, 2, 11, 350, into));
        Assert.Equal(Entries(4, 1, 100)[0].ToArray(), into[2]);
        Assert.Equal(0, engine.FetchEntries(1, 3, 3, 10, into));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.FetchEntries(1, 0, 3, 10, into));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.FetchEntries(1, 5, 12, 10, into));
        Assert.Throws<ArgumentOutOfRangeException>(() => engine.FetchEntries(9, 1, 2, 10, into));
    }

    [Fact]
    public void LargeBlocksAreCompressedAndReadBack()
    {
        using var dir = new TempDir();
        var options = new RaftEngineOptions { BatchCompressionThreshold = 1024, TargetFileSize = 256 << 10 };
        byte[] text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("raft entry payload ", 200)));
        var entries = new ReadOnlyMemory<byte>[] { text, text, text };
        long written;
        using (var engine = RaftLogEngine.Open(dir.Path, options))
        {
            var batch = new LogBatch();
            batch.AddEntries(1, 1, entries);
            written = engine.Write(batch, true);
            Assert.True(written < text.Length, $"wrote {written} bytes for {3 * text.Length} compressible bytes");
            Assert.Equal(text, engine.GetEntry(1, 2));
        }
        using (var engine = RaftLogEngine.Open(dir.Path, options))
        {
            var into = new List<byte[]>();
            engine.FetchEntries(1, 1, 4, long.MaxValue, into);
            Assert.All(into, e => Assert.Equal(text, e));
        }
    }

    [Fact]
    public void FilesRotateAtTargetSize()
    {
        using var dir = new TempDir();
        var options = new RaftEngineOptions { TargetFileSize = 8192 };
        using (var engine = RaftLogEngine.Open(dir.Path, options))
        {
            var batch = new LogBatch();
            for (ulong i = 1; i <= 100; i++)
            {
                batch.Clear();
                batch.AddEntries(1, i, Entries(i, 1, 500));
                engine.Write(batch, false);
            }
            Assert.True(engine.FileCount >= 6, $"{engine.FileCount} files");
            Assert.Equal(Entries(50, 1, 500)[0].ToArray(), engine.GetEntry(1, 50));
        }
        foreach (string f in dir.LogFiles())
        {
            Assert.True(new FileInfo(f).Length <= 8192, $"{f} is {new FileInfo(f).Length} bytes");
        }
        using (var engine = RaftLogEngine.Open(dir.Path, options))
        {
            Assert.Equal(100UL, engine.LastIndex(1));
            Assert.Equal(Entries(77, 1, 500)[0].ToArray(), engine.GetEntry(1, 77));
        }
    }

    [Fact]
    public void ConcurrentSyncWritersShareWritesAndAllLand()
    {
        using var dir = new TempDir();
        using (var engine = RaftLogEngine.Open(dir.Path, Defaults()))
        {
            const int threads = 16;
            const int perThread = 50;
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
            {
                var batch = new LogBatch();
                for (int i = 1; i <= perThread; i++)
                {
                    batch.Clear();
                    batch.AddEntries((ulong)t, (ulong)i, Entries((ulong)i, 1, 64, (byte)t));
                    batch.PutState((ulong)t, "applied"u8, BitConverter.GetBytes(i));
                    engine.Write(batch, sync: true);
                }
            });
            for (int t = 0; t < threads; t++)
            {
                Assert.Equal((ulong)perThread, engine.LastIndex((ulong)t));
            }
        }
        using (var engine = RaftLogEngine.Open(dir.Path, Defaults()))
        {
            for (int t = 0; t < 16; t++)
            {
                Assert.Equal(50UL, engine.LastIndex((ulong)t));
                Assert.Equal(Entries(50, 1, 64, (byte)t)[0].ToArray(), engine.GetEntry((ulong)t, 50));
                Assert.Equal(BitConverter.GetBytes(50), engine.GetState((ulong)t, "applied"u8));
            }
        }
    }

    [Fact]
    public void SecondOpenOfSameDirectoryFails()
    {
        using var dir = new TempDir();
        using var engine = RaftLogEngine.Open(dir.Path, Defaults());
        Assert.ThrowsAny<IOException>(() => RaftLogEngine.Open(dir.Path, Defaults()));
    }

    [Fact]
    public void DisposedEngineRefusesCalls()
    {
        using var dir = new TempDir();
        var engine = RaftLogEngine.Open(dir.Path, Defaults());
        engine.Dispose();
        var batch = new LogBatch();
        batch.Clean(1);
        Assert.Throws<ObjectDisposedException>(() => engine.Write(batch, false));
        Assert.Throws<ObjectDisposedException>(() => engine.GetEntry(1, 1));
    }

    [Fact]
    public void MemoryUsageGrowsWithEntriesAndShrinksAfterCompaction()
    {
        using var dir = new TempDir();
        using var engine = RaftLogEngine.Open(dir.Path, Defaults());
        var batch = new LogBatch();
        for (ulong i = 1; i <= 2000; i += 20)
        {
            batch.Clear();
            batch.AddEntries(1, i, Entries(i, 20, 16));
            engine.Write(batch, false);
        }
        RaftEngineMemoryUsage full = engine.GetMemoryUsage();
        Assert.Equal(2000, full.EntryCount);
        Assert.Equal(1, full.RegionCount);
        Assert.InRange(full.IndexBytes, 2000 * 4, 2000 * 12);
        batch.Clear();
        batch.Compact(1, 1990);
        engine.Write(batch, false);
        RaftEngineMemoryUsage compacted = engine.GetMemoryUsage();
        Assert.Equal(11, compacted.EntryCount);
        Assert.True(compacted.IndexBytes < full.IndexBytes / 10, $"{compacted.IndexBytes} vs {full.IndexBytes}");
        batch.Clear();
        batch.Clean(1);
        engine.Write(batch, false);
        Assert.Equal(0, engine.GetMemoryUsage().IndexBytes);
    }
}
