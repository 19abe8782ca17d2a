using ManagedKv.Lsm.Memtable;

namespace ManagedKv.Lsm.Tests.Memtable;

public sealed unsafe class ArenaTests
{
    private const int Chunk = 64 * 1024;

    [Fact]
    public void AllocationsAreAlignedDisjointAndAccounted()
    {
        var pool = new ArenaChunkPool(Chunk, maxRetainedBytes: 1L << 30);
        using var arena = new Arena(pool);
        Assert.Equal(Chunk, arena.MemoryUsage);
        Assert.Equal(0, arena.AllocatedBytes);
        var random = new Random(5);
        var blocks = new List<(nint Address, int Size)>();
        long requested = 0;
        for (int i = 0; i < 5000; i++)
        {
            int size = random.Next(1, 300);
            byte* p = arena.Allocate(size);
            Assert.Equal(0, (long)p & 7);
            new Span<byte>(p, size).Fill((byte)i);
            blocks.Add(((nint)p, size));
            requested += size;
        }
        for (int i = 0; i < blocks.Count; i++)
        {
            var span = new ReadOnlySpan<byte>((void*)blocks[i].Address, blocks[i].Size);
            Assert.False(span.ContainsAnyExcept((byte)i), $"allocation {i} was overwritten");
        }
        Assert.True(arena.AllocatedBytes >= requested);
        Assert.True(arena.AllocatedBytes <= requested + 8 * blocks.Count + 300 * (arena.MemoryUsage / Chunk)); // alignment + chunk tails
        Assert.Equal(0, arena.MemoryUsage % Chunk);
        Assert.True(arena.MemoryUsage >= arena.AllocatedBytes);
    }

    [Fact]
    public void OversizedAllocationsGetTheirOwnChunkAndAreNotPooled()
    {
        var pool = new ArenaChunkPool(Chunk, maxRetainedBytes: 1L << 30);
        var arena = new Arena(pool);
        byte* small = arena.Allocate(16);
        byte* big = arena.Allocate(Chunk);
        new Span<byte>(big, Chunk).Fill(1);
        Assert.Equal(0, (long)big & 7);
        byte* small2 = arena.Allocate(16);
        Assert.Equal((nint)small + 16, (nint)small2); // the current chunk goes on
        Assert.Equal(2L * Chunk, arena.MemoryUsage);
        arena.Dispose();
        Assert.Equal(Chunk, pool.RetainedBytes);
        Assert.Equal(0, arena.MemoryUsage);
    }

    [Fact]
    public void ChunksReturnToThePoolAndAreReused()
    {
        var pool = new ArenaChunkPool(Chunk, maxRetainedBytes: 3 * Chunk);
        var arena = new Arena(pool);
        for (int i = 0; i < 5 * Chunk / 1024; i++)
        {
            arena.Allocate(1000);
        }
        Assert.Equal(5L * Chunk, arena.MemoryUsage);
        arena.Dispose();
        arena.Dispose();
        // Only up to the retention bound is kept.
        Assert.Equal(3L * Chunk, pool.RetainedBytes);

        var next = new Arena(pool);
        Assert.Equal(2L * Chunk, pool.RetainedBytes);
        next.Dispose();
        Assert.Equal(3L * Chunk, pool.RetainedBytes);
        pool.Trim();
        Assert.Equal(0, pool.RetainedBytes);
    }

    [Fact]
    public void ConcurrentAllocationsNeverOverlap()
    {
        var pool = new ArenaChunkPool(Chunk, maxRetainedBytes: 0);
        using var arena = new Arena(pool);
        const int Threads = 4;
        const int PerThread = 20_000;
        var addresses = new nint[Threads][];
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, t =>
        {
            var mine = new nint[PerThread];
            for (int i = 0; i < PerThread; i++)
            {
                byte* p = arena.Allocate(24);
                *(long*)p = t * (long)PerThread + i;
                mine[i] = (nint)p;
            }
            addresses[t] = mine;
        });
        var seen = new HashSet<nint>();
        for (int t = 0; t < Threads; t++)
        {
            for (int i = 0; i < PerThread; i++)
            {
                Assert.True(seen.Add(addresses[t][i]));
                Assert.Equal(t * (long)PerThread + i, *(long*)addresses[t][i]);
            }
        }
        Assert.True(arena.AllocatedBytes >= Threads * PerThread * 24L);
    }

    [Fact]
    public void ChunksAreCacheLineAlignedNativeMemoryThatOutlivesGarbageCollections()
    {
        var pool = new ArenaChunkPool(Chunk, maxRetainedBytes: 1L << 30);
        var arena = new Arena(pool);
        byte* first = arena.Allocate(8);
        Assert.Equal(0, (long)first % ArenaChunkPool.ChunkAlignment);
        *(long*)first = 0x1122334455667788;
        long managedBefore = GC.GetAllocatedBytesForCurrentThread(); // this thread's only: other tests run in parallel
        byte* oversized = arena.Allocate(Chunk);
        long managedAllocated = GC.GetAllocatedBytesForCurrentThread() - managedBefore;
        new Span<byte>(oversized, Chunk).Fill(0xAB);
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        Assert.Equal(0x1122334455667788, *(long*)first);
        Assert.False(new ReadOnlySpan<byte>(oversized, Chunk).ContainsAnyExcept((byte)0xAB));
        Assert.True(managedAllocated < Chunk / 2, $"chunks are not on the managed heap ({managedAllocated} managed bytes)");
        arena.Dispose();
        Assert.Equal(Chunk, pool.RetainedBytes);
        pool.Trim();
        Assert.Equal(0, pool.RetainedBytes);
    }
}
