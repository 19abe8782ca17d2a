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

    [Fact]
    public void ChargesBlockBytesPlusOverheadAndEvictsLeastRecentlyUsed()
    {
        var cache = new BlockCache(10 * (1000 + Overhead), numShardBits: 0);
        ulong id = cache.NewId();
        for (ulong i = 0; i < 10; i++)
        {
            cache.Insert(id, i, Block(id, i, 1000), 1000);
        }
        Assert.Equal(10 * (1000 + Overhead), cache.Usage);
        Assert.True(cache.TryGet(id, 0, out _)); // block 0 becomes most recently used
        cache.Insert(id, 10, Block(id, 10, 1000), 1000);
        Assert.Equal(10, cache.Count);
        Assert.False(cache.TryGet(id, 1, out _)); // the least recently used one went
        Assert.True(cache.TryGet(id, 0, out ReadOnlyMemory<byte> block));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(block.Span[8..]));
        Assert.Equal(2, cache.HitCount);
        Assert.Equal(1, cache.MissCount);
    }

    [Fact]
    public void BlockLargerThanAShardIsNotCached()
    {
        var cache = new BlockCache(4096, numShardBits: 0);
        ulong id = cache.NewId();
        cache.Insert(id, 0, new byte[5000], 5000);
        Assert.Equal(0, cache.Usage);
        Assert.False(cache.TryGet(id, 0, out _));
    }

    [Fact]
    public void ReinsertReplacesAndEraseRemoves()
    {
        var cache = new BlockCache(1 << 20, numShardBits: 2);
        ulong id = cache.NewId();
        cache.Insert(id, 7, new byte[100], 100);
        cache.Insert(id, 7, new byte[300], 250);
        Assert.Equal(300 + Overhead, cache.Usage);
        Assert.True(cache.TryGet(id, 7, out ReadOnlyMemory<byte> block));
        Assert.Equal(250, block.Length);
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
        cache.Insert(a, 0, Block(a, 0, 64), 64);
        cache.Insert(b, 0, Block(b, 0, 64), 64);
        Assert.True(cache.TryGet(a, 0, out ReadOnlyMemory<byte> ba));
        Assert.True(cache.TryGet(b, 0, out ReadOnlyMemory<byte> bb));
        Assert.Equal(a, BinaryPrimitives.ReadUInt64LittleEndian(ba.Span));
        Assert.Equal(b, BinaryPrimitives.ReadUInt64LittleEndian(bb.Span));
    }

    [Fact]
    public void SetCapacityShrinksUsage()
    {
        var cache = new BlockCache(1 << 20, numShardBits: 1);
        ulong id = cache.NewId();
        for (ulong i = 0; i < 500; i++)
        {
            cache.Insert(id, i, new byte[1000], 1000);
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
                    if (cache.TryGet(id, offset, out ReadOnlyMemory<byte> block))
                    {
                        if (BinaryPrimitives.ReadUInt64LittleEndian(block.Span) != id || BinaryPrimitives.ReadUInt64LittleEndian(block.Span[8..]) != offset)
                        {
                            errors.Add($"seed {threadSeed}: wrong block for ({id}, {offset})");
                        }
                    }
                    else
                    {
                        int size = rnd.Next(16, 4000);
                        cache.Insert(id, offset, Block(id, offset, size), size);
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
        Assert.Equal(200_000, cache.HitCount + cache.MissCount);
    }
}
