using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Tests.Db;
using ManagedKv.Lsm.Tests.IO;

namespace ManagedKv.Lsm.Tests.Cache;

/// <summary>The block cache's bound on memory-mapped SST pages (<see cref="BlockCache.MappedLimit"/>).</summary>
public sealed unsafe class MappedLimitTests
{
    private const int MiB = 1 << 20;

    private static byte[] WriteFile(string path, int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        File.WriteAllBytes(path, data);
        return data;
    }

    [Fact]
    public void StretchesAreChargedUntilTheLimitThenRefusedUntilSomeAreReleased()
    {
        using var dir = new TempDirectory();
        byte[] a = WriteFile(dir.File("a.bin"), 5 * MiB, 1);
        byte[] b = WriteFile(dir.File("b.bin"), 100_000, 2);
        var cache = new BlockCache(0) { MappedLimit = 3 * MiB }; // capacity 0: nothing to borrow
        Assert.Equal(3 * MiB, cache.MappedLimit);

        var fileA = MemoryMappedRandomAccessFile.Open(dir.File("a.bin"), cache);
        Assert.True(fileA.TryGetPointer(10, 100, out byte* p));
        Assert.True(new ReadOnlySpan<byte>(p, 100).SequenceEqual(a.AsSpan(10, 100)));
        Assert.Equal(2 * MiB, cache.MappedUsage);
        // The second 2 MiB stretch does not fit (2 + 2 > 3); the last one (1 MiB) does.
        Assert.False(fileA.TryGetPointer(2 * MiB + 10, 100, out _));
        Assert.True(fileA.TryGetPointer(4 * MiB + 10, 100, out p));
        Assert.True(new ReadOnlySpan<byte>(p, 100).SequenceEqual(a.AsSpan(4 * MiB + 10, 100)));
        Assert.Equal(3 * MiB, cache.MappedUsage);
        Assert.Equal(3 * MiB, fileA.ChargedBytes);
        // A range across a charged and a refused stretch is refused as a whole; pread still reads anything.
        Assert.False(fileA.TryGetPointer(2 * MiB - 50, 100, out _));
        var buffer = new byte[100];
        Assert.Equal(100, fileA.Read(2 * MiB + 10, buffer));
        Assert.True(buffer.AsSpan().SequenceEqual(a.AsSpan(2 * MiB + 10, 100)));

        using var fileB = MemoryMappedRandomAccessFile.Open(dir.File("b.bin"), cache);
        Assert.True(fileB.IsMapped);
        Assert.False(fileB.TryGetPointer(0, 10, out _));
        Assert.Equal(3 * MiB, cache.MappedUsage);

        // Closing a file returns its charge; refused stretches are tried again.
        fileA.Dispose();
        Assert.Equal(0, cache.MappedUsage);
        Assert.True(fileB.TryGetPointer(50_000, 10, out p));
        Assert.True(new ReadOnlySpan<byte>(p, 10).SequenceEqual(b.AsSpan(50_000, 10)));
        Assert.Equal(100_000, cache.MappedUsage); // a stretch at a file's end is charged its length
    }

    [Fact]
    public void StretchesBorrowTheCachesFreeRoomUpToThreeQuartersOfItsCapacity()
    {
        using var dir = new TempDirectory();
        WriteFile(dir.File("a.bin"), 16 * MiB, 5);
        var cache = new BlockCache(4 * MiB, numShardBits: 0) { MappedLimit = 2 * MiB };
        using var file = MemoryMappedRandomAccessFile.Open(dir.File("a.bin"), cache);
        Assert.True(file.TryGetPointer(0, 10, out _));             // within the limit
        Assert.Equal(0, cache.MappedBorrowed);
        Assert.True(file.TryGetPointer(2 * MiB, 10, out _));       // borrows 2 MiB of the cache's 4
        Assert.Equal(2 * MiB, cache.MappedBorrowed);
        Assert.False(file.TryGetPointer(4 * MiB, 10, out _));      // 4 MiB borrowed would pass 3/4 of the capacity
        Assert.Equal(4 * MiB, cache.MappedUsage);

        // The cache now holds at most 2 MiB: blocks past that are evicted.
        for (int i = 0; i < 64; i++)
        {
            cache.InsertCopy(1, (ulong)i, new byte[64 << 10]);
        }
        Assert.InRange(cache.Usage, 1, 2 * MiB);

        // With the cache full, nothing more is lent; releasing a stretch returns the room to the cache.
        using var dir2 = new TempDirectory();
        WriteFile(dir2.File("b.bin"), 1 * MiB, 6);
        var other = MemoryMappedRandomAccessFile.Open(dir2.File("b.bin"), cache);
        Assert.False(other.TryGetPointer(0, 10, out _));
        other.Dispose();
        file.Dispose();
        Assert.Equal(0, cache.MappedBorrowed);
        for (int i = 64; i < 128; i++)
        {
            cache.InsertCopy(1, (ulong)i, new byte[64 << 10]);
        }
        Assert.True(cache.Usage > 2 * MiB);
    }

    [Fact]
    public void RaisingTheLimitAdmitsRefusedStretchesAndMinusOneIsUnbounded()
    {
        using var dir = new TempDirectory();
        WriteFile(dir.File("a.bin"), 6 * MiB, 3);
        var cache = new BlockCache(0) { MappedLimit = 0 };
        using var file = MemoryMappedRandomAccessFile.Open(dir.File("a.bin"), cache);
        Assert.False(file.TryGetPointer(0, 10, out _));
        cache.MappedLimit = -1;
        for (int i = 0; i < 3; i++)
        {
            Assert.True(file.TryGetPointer((long)i * 2 * MiB, 10, out _));
        }
        Assert.Equal(6 * MiB, cache.MappedUsage);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache.MappedLimit = -2);
    }

    [Fact]
    public void ConcurrentReadersChargeEachStretchOnce()
    {
        using var dir = new TempDirectory();
        WriteFile(dir.File("a.bin"), 16 * MiB, 4);
        var cache = new BlockCache(0) { MappedLimit = 9 * MiB };
        using (var file = MemoryMappedRandomAccessFile.Open(dir.File("a.bin"), cache))
        {
            int admitted = 0;
            Parallel.For(0, 8, t =>
            {
                var rnd = new Random(t);
                int mine = 0;
                for (int i = 0; i < 20_000; i++)
                {
                    if (file.TryGetPointer(rnd.Next(16 * MiB - 100), 100, out _))
                    {
                        mine++;
                    }
                }
                Interlocked.Add(ref admitted, mine);
            });
            Assert.True(admitted > 0);
            // Four whole 2 MiB stretches fit under 9 MiB; no stretch is charged twice.
            Assert.Equal(8 * MiB, cache.MappedUsage);
            Assert.Equal(8 * MiB, file.ChargedBytes);
        }
        Assert.Equal(0, cache.MappedUsage);
    }

    [Fact]
    public void ADbReadsPastTheLimitThroughTheBlockCacheAndReturnsTheSameData()
    {
        using var dir = new TempDir();
        var cache = new BlockCache(256 << 10) { MappedLimit = 256 << 10 };
        DbOptions o = TestOptions.Small();
        o.BlockCache = cache;
        o.DefaultColumnFamilyOptions.CompressionPerLevel = [CompressionType.None];
        var model = new SortedDictionary<int, byte[]>();
        var rnd = new Random(11);
        using (LsmDb db = LsmDb.Open(dir.Path, o))
        {
            for (int i = 0; i < 6000; i++)
            {
                var value = new byte[200];
                rnd.NextBytes(value);
                int key = rnd.Next(5000);
                model[key] = value;
                db.Put(Key(key), value);
            }
            db.CompactRange();
            for (int k = 0; k < 5000; k++)
            {
                byte[]? got = db.Get(Key(k));
                Assert.Equal(model.TryGetValue(k, out byte[]? v) ? v : null, got);
            }
            Assert.InRange(cache.MappedUsage, 1, (256 << 10) + (192 << 10)); // the limit plus at most 3/4 of the cache
            Assert.InRange(cache.Usage, 1, (256 << 10) - cache.MappedBorrowed);
            Assert.Equal(cache.MappedUsage, db.GetMemoryUsage().MappedTables);
            long misses = db.Statistics.Get(Ticker.BlockCacheDataMiss);
            long hits = db.Statistics.Get(Ticker.BlockCacheDataHit);
            Assert.True(misses > 0, "blocks past the limit are read into the block cache");
            Assert.True(cache.Usage > 0);

            // Unbounded: every block is used in place from now on, none is looked up in the cache.
            cache.MappedLimit = -1;
            using (LsmIterator it = db.NewIterator())
            {
                int seen = 0;
                for (it.SeekToFirst(); it.Valid; it.Next())
                {
                    int key = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(it.Key);
                    Assert.Equal(model[key], it.Value.ToArray());
                    seen++;
                }
                Assert.Equal(model.Count, seen);
            }
            foreach ((int key, byte[] value) in model)
            {
                Assert.Equal(value, db.Get(Key(key)));
            }
            Assert.Equal(misses, db.Statistics.Get(Ticker.BlockCacheDataMiss));
            Assert.Equal(hits, db.Statistics.Get(Ticker.BlockCacheDataHit));
            Assert.True(cache.MappedUsage > 256 << 10);
        }
        Assert.Equal(0, cache.MappedUsage); // closing the DB closed its tables
    }

    private static byte[] Key(int k)
    {
        var key = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(key, k);
        return key;
    }
}
