namespace ManagedKv.Lsm.Tests.Db;

/// <summary>Several DBs in one process share a block cache and a background job pool (a KV and a Raft-state engine).</summary>
public sealed class SharedResourcesTests
{
    [Fact]
    public void TwoDbsShareOnePoolAndOneCache()
    {
        using var dir = new TempDir();
        using var pool = new BackgroundJobPool(flushThreads: 1, compactionThreads: 1);
        var cache = new BlockCache(4 << 20);
        DbOptions Options()
        {
            DbOptions o = TestOptions.Small();
            o.BackgroundJobPool = pool;
            o.BlockCache = cache;
            return o;
        }
        var flushes = new int[2];
        using (LsmDb a = LsmDb.Open(dir.Sub("kv"), Options()))
        using (LsmDb b = LsmDb.Open(dir.Sub("raft"), Options()))
        {
            var value = new byte[500];
            for (int i = 0; i < 3000; i++)
            {
                a.Put(BitConverter.GetBytes(i), value);
                b.Put(BitConverter.GetBytes(i), value);
            }
            a.Flush();
            b.Flush();
            a.CompactRange();
            b.CompactRange();
            for (int i = 0; i < 3000; i += 10)
            {
                Assert.NotNull(a.Get(BitConverter.GetBytes(i)));
                Assert.NotNull(b.Get(BitConverter.GetBytes(i)));
            }
            // Both DBs flushed and compacted through the two pool threads, and their blocks share one cache.
            Assert.True(a.FlushBytesWritten > 0 && b.FlushBytesWritten > 0);
            Assert.True(cache.Usage > 0);
            Assert.Equal(cache.Usage, a.GetMemoryUsage().BlockCacheUsage);
            Assert.Equal(cache.Usage, b.GetMemoryUsage().BlockCacheUsage);
        }
        // The pool outlives the DBs and serves a new one.
        using LsmDb c = LsmDb.Open(dir.Sub("kv"), Options());
        c.Put("x"u8, "y"u8);
        c.Flush();
        Assert.Equal("y"u8.ToArray(), c.Get("x"u8));
    }
}
