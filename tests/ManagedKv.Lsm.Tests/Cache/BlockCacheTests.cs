using ManagedKv.Lsm.Table;
using System.Buffers.Binary;

namespace ManagedKv.Lsm.Tests.Cache;

public sealed class BlockCacheTests
{
    private const int Overhead = BlockCacheShard.EntryOverhead;

    private static byte[] Block(ulong id, ulong offset, int size)
    {
        var block = new byte[size];
        BinaryPrimitives.WriteUInt64LittleEndian(block, id);
        BinaryPrimitives.WriteUInt64LittleEndian(block.AsSpan(8), offset);
        return block;
    }

    /// <summary>Looks a block up, copies it out and releases the reference.</summary>
    private static bool TryGet(BlockCache cache, ulong id, ulong offset, out byte[] block)
    {
        BlockCacheEntry? e = cache.Lookup(id, offset);
        if (e == null)
        {
            block = [];
            return false;
        }
        block = e.Span.ToArray();
        BlockCache.Release(e);
        return true;
    }

    private static unsafe BlockCacheEntry InsertReferenced(BlockCache cache, ulong id, ulong offset, byte[] contents)
    {
        byte* data = BlockCache.AllocateBlock(contents.Length);
        contents.CopyTo(new Span<byte>(data, contents.Length));
        return cache.Insert(id, offset, data, contents.Length, contents.Length);
    }

    [Fact]
    public void ChargesBlockBytesPlusOverheadAndEvictsLeastRecentlyUsed()
    {
        var cache = new BlockCache(10 * (1000 + Overhead), numShardBits: 0);
        ulong id = cache.NewId();
        for (ulong i = 0; i < 10; i++)
        {
            cache.InsertCopy(id, i, Block(id, i, 1000));
        }
        Assert.Equal(10 * (1000 + Overhead), cache.Usage);
        Assert.True(TryGet(cache, id, 0, out _)); // block 0 becomes most recently used
        cache.InsertCopy(id, 10, Block(id, 10, 1000));
        Assert.Equal(10, cache.Count);
        Assert.False(TryGet(cache, id, 1, out _)); // the least recently used one went
        Assert.True(TryGet(cache, id, 0, out byte[] block));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(8)));
        Assert.Equal(2, cache.HitCount);
        Assert.Equal(1, cache.MissCount);
    }

    [Fact]
    public void BlockLargerThanAShardIsNotCached()
    {
        var cache = new BlockCache(4096, numShardBits: 0);
        ulong id = cache.NewId();
        BlockCacheEntry e = InsertReferenced(cache, id, 0, Block(id, 0, 5000));
        Assert.Equal(0, cache.Usage);
        Assert.Equal(5000 + Overhead, cache.DetachedUsage);
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(e.Span[8..])); // usable by its reader all the same
        BlockCache.Release(e);
        Assert.Equal(0, cache.DetachedUsage);
        Assert.False(TryGet(cache, id, 0, out _));
    }

    [Fact]
    public void ReinsertReplacesAndEraseRemoves()
    {
        var cache = new BlockCache(1 << 20, numShardBits: 2);
        ulong id = cache.NewId();
        cache.InsertCopy(id, 7, new byte[100]);
        cache.InsertCopy(id, 7, new byte[300]);
        Assert.Equal(300 + Overhead, cache.Usage);
        Assert.True(TryGet(cache, id, 7, out byte[] block));
        Assert.Equal(300, block.Length);
        Assert.True(cache.Erase(id, 7));
        Assert.Equal(0, cache.Usage);
        Assert.False(cache.Erase(id, 7));
    }

    [Fact]
    public void ReadersGetDistinctIdsAndBlocksDoNotCollide()
    {
        var cache = new BlockCache(1 << 20);
        ulong a = cache.NewId();
        ulong b = cache.NewId();
        Assert.NotEqual(a, b);
        cache.InsertCopy(a, 0, Block(a, 0, 64));
        cache.InsertCopy(b, 0, Block(b, 0, 64));
        Assert.True(TryGet(cache, a, 0, out byte[] ba));
        Assert.True(TryGet(cache, b, 0, out byte[] bb));
        Assert.Equal(a, BinaryPrimitives.ReadUInt64LittleEndian(ba));
        Assert.Equal(b, BinaryPrimitives.ReadUInt64LittleEndian(bb));
    }

    [Fact]
    public void SetCapacityShrinksUsage()
    {
        var cache = new BlockCache(1 << 20, numShardBits: 1);
        ulong id = cache.NewId();
        for (ulong i = 0; i < 500; i++)
        {
            cache.InsertCopy(id, i, new byte[1000]);
        }
        Assert.InRange(cache.Usage, 1, cache.Capacity);
        cache.SetCapacity(100_000);
        Assert.Equal(100_000, cache.Capacity);
        Assert.InRange(cache.Usage, 1, 100_000);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(512 * 1024, 1)]
    [InlineData(4L << 20, 8)]
    [InlineData(1L << 30, 64)]
    public void DefaultShardCountKeepsShardsAtLeastHalfAMegabyte(long capacity, int shards) =>
        Assert.Equal(shards, new BlockCache(capacity).ShardCount);

    [Fact]
    public void ConcurrentInsertsAndLookupsStayWithinCapacityAndReturnTheRightBlocks()
    {
        var cache = new BlockCache(2 << 20, numShardBits: 3);
        ulong[] ids = [cache.NewId(), cache.NewId(), cache.NewId()];
        int seed = Environment.TickCount;
        var errors = new System.Collections.Concurrent.ConcurrentBag<string>();
        var threads = new Thread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            int threadSeed = seed + t;
            threads[t] = new Thread(() =>
            {
                var rnd = new Random(threadSeed);
                for (int i = 0; i < 50_000; i++)
                {
                    ulong id = ids[rnd.Next(ids.Length)];
                    ulong offset = (ulong)rnd.Next(2000) * 4096;
                    BlockCacheEntry? e = cache.Lookup(id, offset);
                    if (e != null)
                    {
                        Thread.Yield(); // hold the reference while other threads evict
                        if (BinaryPrimitives.ReadUInt64LittleEndian(e.Span) != id || BinaryPrimitives.ReadUInt64LittleEndian(e.Span[8..]) != offset)
                        {
                            errors.Add($"seed {threadSeed}: wrong block for ({id}, {offset})");
                        }
                        BlockCache.Release(e);
                    }
                    else
                    {
                        int size = rnd.Next(16, 4000);
                        cache.InsertCopy(id, offset, Block(id, offset, size));
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
        Assert.InRange(cache.Usage, 1, cache.Capacity);
        Assert.Equal(0, cache.DetachedUsage);
        Assert.Equal(200_000, cache.HitCount + cache.MissCount);
    }

    [Fact]
    public void BlockEvictedWhileReferencedStaysValidUntilReleased()
    {
        var cache = new BlockCache(3 * (1000 + Overhead), numShardBits: 0);
        ulong id = cache.NewId();
        BlockCacheEntry held = InsertReferenced(cache, id, 0, Block(id, 0, 1000));
        for (ulong i = 1; i <= 5; i++)
        {
            cache.InsertCopy(id, i, Block(id, i, 1000)); // pushes block 0 out
        }
        Assert.False(TryGet(cache, id, 0, out _));
        Assert.Equal(1000 + Overhead, cache.DetachedUsage);
        Assert.InRange(cache.Usage, 0, cache.Capacity);
        for (ulong i = 6; i <= 20; i++)
        {
            cache.InsertCopy(id, i, Block(id, i, 1000)); // recycles entries: the held one must not be reused
        }
        Assert.Equal(id, BinaryPrimitives.ReadUInt64LittleEndian(held.Span));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(held.Span[8..]));
        BlockCache.Release(held);
        Assert.Equal(0, cache.DetachedUsage);
    }

    [Fact]
    public void ReplacedBlockStaysValidForItsReaderAndReleaseTwiceThrows()
    {
        var cache = new BlockCache(1 << 20, numShardBits: 0);
        ulong id = cache.NewId();
        cache.InsertCopy(id, 5, Block(id, 5, 200));
        BlockCacheEntry old = cache.Lookup(id, 5)!;
        cache.InsertCopy(id, 5, Block(id, 6, 300)); // same key, new contents
        Assert.Equal(5UL, BinaryPrimitives.ReadUInt64LittleEndian(old.Span[8..]));
        Assert.True(TryGet(cache, id, 5, out byte[] now));
        Assert.Equal(6UL, BinaryPrimitives.ReadUInt64LittleEndian(now.AsSpan(8)));
        BlockCache.Release(old);
        Assert.Throws<InvalidOperationException>(() => BlockCache.Release(old));
        Assert.Equal(0, cache.DetachedUsage);
        Assert.Equal(300 + Overhead, cache.Usage);
    }

    [Fact]
    public void ClearDropsUnreferencedBlocksOnly()
    {
        var cache = new BlockCache(1 << 20, numShardBits: 1);
        ulong id = cache.NewId();
        for (ulong i = 0; i < 10; i++)
        {
            cache.InsertCopy(id, i, Block(id, i, 100));
        }
        BlockCacheEntry held = cache.Lookup(id, 3)!;
        cache.Clear();
        Assert.Equal(0, cache.Count);
        Assert.Equal(0, cache.Usage);
        Assert.Equal(100 + Overhead, cache.DetachedUsage);
        Assert.Equal(3UL, BinaryPrimitives.ReadUInt64LittleEndian(held.Span[8..]));
        BlockCache.Release(held);
        Assert.Equal(0, cache.DetachedUsage);
    }
}
