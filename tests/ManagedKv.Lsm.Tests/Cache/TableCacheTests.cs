using System.Buffers;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Tests.IO;
using ManagedKv.Lsm.Tests.Table;
using Entry = System.Collections.Generic.KeyValuePair<byte[], byte[]>;

namespace ManagedKv.Lsm.Tests.Cache;

public sealed class TableCacheTests
{
    private static string PathOf(TempDirectory dir, ulong number) => dir.File($"{number:D6}.sst");

    private static Dictionary<ulong, (long Size, List<Entry> Entries)> BuildFiles(TempDirectory dir, int count)
    {
        var files = new Dictionary<ulong, (long, List<Entry>)>();
        for (ulong n = 1; n <= (ulong)count; n++)
        {
            List<Entry> entries = TableTestUtil.RandomEntries(new Random((int)n), 50, 2);
            TableProperties props = TableTestUtil.Build(PathOf(dir, n), new TableBuilderOptions(), entries);
            files[n] = (props.FileSize, entries);
        }
        return files;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void KeepsAtMostMaxOpenFilesAndEvictedReadersStayUsable(bool mmap)
    {
        using var dir = new TempDirectory();
        var files = BuildFiles(dir, 10);
        using var cache = new TableCache(n => PathOf(dir, n), 3, new TableReaderOptions { UseMemoryMap = mmap, BlockCache = new BlockCache(1 << 20) });

        TableReader first = cache.Acquire(1, files[1].Size, 0);
        using IInternalIterator it = first.NewIterator();
        first.Unref();
        for (ulong n = 2; n <= 10; n++)
        {
            TableReader reader = cache.Acquire(n, files[n].Size, 0);
            Assert.Equal(n, reader.FileNumber);
            Assert.InRange(cache.Count, 1, 3);
            reader.Unref();
        }
        Assert.Equal(3, cache.Count);
        // File 1 was evicted but its iterator still holds the reader open.
        Assert.Equal(1, first.RefCount);
        int i = 0;
        for (it.SeekToFirst(); it.Valid; it.Next(), i++)
        {
            Assert.True(it.Key.SequenceEqual(files[1].Entries[i].Key));
        }
        Assert.Equal(files[1].Entries.Count, i);
        it.Dispose();
        Assert.Equal(0, first.RefCount);
    }

    [Fact]
    public void HitReturnsTheSameReaderAndEvictDropsIt()
    {
        using var dir = new TempDirectory();
        var files = BuildFiles(dir, 2);
        using var cache = new TableCache(n => PathOf(dir, n), 10, new TableReaderOptions());
        TableReader a = cache.Acquire(1, files[1].Size, 0);
        TableReader b = cache.Acquire(1, files[1].Size, 0);
        Assert.Same(a, b);
        Assert.Equal(3, a.RefCount); // the cache's and two callers'
        TableReader c = cache.Acquire(2, files[2].Size, 0);
        Assert.Equal(a.MemoryUsage + c.MemoryUsage, cache.MemoryUsage);
        Assert.True(cache.MemoryUsage > 0);
        cache.Evict(1);
        Assert.Equal(c.MemoryUsage, cache.MemoryUsage);
        Assert.Equal(2, a.RefCount);
        var sink = new ArrayBufferWriter<byte>();
        Entry live = files[1].Entries.First(e => InternalKey.Type(e.Key) == Keys.ValueType.Value);
        Assert.Equal(LookupResult.Found, a.Get(InternalKey.UserKey(live.Key), InternalKey.Sequence(live.Key), sink));
        a.Unref();
        b.Unref();
        c.Unref();
        Assert.Equal(0, a.RefCount);
        TableReader again = cache.Acquire(1, files[1].Size, 0);
        Assert.NotSame(a, again);
        again.Unref();
    }

    [Fact]
    public void OpenFailureCachesNothing()
    {
        using var dir = new TempDirectory();
        File.WriteAllBytes(PathOf(dir, 1), new byte[100]);
        using var cache = new TableCache(n => PathOf(dir, n), 10, new TableReaderOptions());
        Assert.Throws<CorruptionException>(() => cache.Acquire(1, 100, 0));
        Assert.Throws<FileNotFoundException>(() => cache.Acquire(2, 100, 0));
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void ConcurrentAcquiresShareReadersAndRespectTheBound()
    {
        using var dir = new TempDirectory();
        var files = BuildFiles(dir, 8);
        using var cache = new TableCache(n => PathOf(dir, n), 4, new TableReaderOptions { BlockCache = new BlockCache(1 << 20) });
        int seed = Environment.TickCount;
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = new Thread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            int threadSeed = seed + t;
            threads[t] = new Thread(() =>
            {
                var rnd = new Random(threadSeed);
                var sink = new ArrayBufferWriter<byte>();
                for (int i = 0; i < 3000; i++)
                {
                    ulong n = (ulong)rnd.Next(1, 9);
                    TableReader reader = cache.Acquire(n, files[n].Size, 0);
                    try
                    {
                        Entry e = files[n].Entries[rnd.Next(files[n].Entries.Count)];
                        sink.ResetWrittenCount();
                        LookupResult r = reader.Get(InternalKey.UserKey(e.Key), InternalKey.Sequence(e.Key), sink);
                        LookupResult expected = InternalKey.Type(e.Key) == Keys.ValueType.Value ? LookupResult.Found : LookupResult.Deleted;
                        if (r != expected || (r == LookupResult.Found && !sink.WrittenSpan.SequenceEqual(e.Value)))
                        {
                            errors.Add($"seed {threadSeed}: file {n}: expected {expected}, got {r}");
                        }
                    }
                    finally
                    {
                        reader.Unref();
                    }
                    if (rnd.Next(100) == 0)
                    {
                        cache.Evict(n);
                    }
                }
            });
            threads[t].Start();
        }
        foreach (Thread thread in threads)
        {
            thread.Join();
        }
        Assert.Empty(errors);
        Assert.InRange(cache.Count, 1, 4);
    }

    [Fact]
    public void DisposeClosesIdleReaders()
    {
        using var dir = new TempDirectory();
        var files = BuildFiles(dir, 1);
        var cache = new TableCache(n => PathOf(dir, n), 10, new TableReaderOptions());
        TableReader reader = cache.Acquire(1, files[1].Size, 0);
        reader.Unref();
        cache.Dispose();
        Assert.Equal(0, reader.RefCount);
        Assert.Throws<ObjectDisposedException>(() => cache.Acquire(1, files[1].Size, 0));
    }
}
