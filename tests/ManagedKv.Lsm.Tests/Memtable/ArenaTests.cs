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

    [Fact]
    public void HugePageChunksAreAlignedZeroedAdvisedAndReused()
    {
        const int Huge = HugePageMemory.HugePageSize;
        var pool = new ArenaChunkPool(Huge, maxRetainedBytes: Huge, hugePages: true);
        Assert.Equal(HugePageMemory.Supported, pool.HugePages);
        nint chunk = pool.Rent();
        Assert.Equal(0, chunk % (pool.HugePages ? Huge : ArenaChunkPool.ChunkAlignment));
        var span = new Span<byte>((void*)chunk, Huge);
        if (pool.HugePages)
        {
            Assert.False(span.ContainsAnyExcept((byte)0), "a fresh mapping is zeroed");
            // The kernel lists the chunk's mapping as eligible for huge pages exactly when THP is not off.
            Assert.Equal(!TransparentHugePagesOff(), SmapsField(chunk, "THPeligible:") == 1);
        }
        span.Fill(0x5A);
        pool.Return(chunk);
        Assert.Equal(Huge, pool.RetainedBytes);
        nint again = pool.Rent();
        Assert.Equal(chunk, again);
        Assert.False(new ReadOnlySpan<byte>((void*)again, Huge).ContainsAnyExcept((byte)0x5A));
        nint second = pool.Rent();
        Assert.NotEqual(again, second);
        pool.Return(again);
        pool.Return(second); // beyond the retention bound: unmapped
        Assert.Equal(Huge, pool.RetainedBytes);
        if (pool.HugePages)
        {
            Assert.Equal(-1, SmapsField(second, "Size:"));
        }
        pool.Trim();
        Assert.Equal(0, pool.RetainedBytes);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ArenaChunkPool(Chunk, hugePages: true));
    }

    [Fact]
    public void ArenaOverHugePageChunksKeepsItsData()
    {
        var pool = new ArenaChunkPool(HugePageMemory.HugePageSize, maxRetainedBytes: 0, hugePages: true);
        var arena = new Arena(pool);
        var random = new Random(9);
        var blocks = new List<(nint Address, int Size, byte Fill)>();
        for (int i = 0; i < 30_000; i++)
        {
            int size = random.Next(1, 400);
            byte* p = arena.Allocate(size);
            new Span<byte>(p, size).Fill((byte)i);
            blocks.Add(((nint)p, size, (byte)i));
        }
        Assert.True(arena.MemoryUsage >= 3L * HugePageMemory.HugePageSize);
        foreach (var (address, size, fill) in blocks)
        {
            Assert.False(new ReadOnlySpan<byte>((void*)address, size).ContainsAnyExcept(fill));
        }
        arena.Dispose();
        Assert.Equal(0, pool.RetainedBytes);
    }

    private static bool TransparentHugePagesOff()
    {
        const string Path = "/sys/kernel/mm/transparent_hugepage/enabled";
        return !File.Exists(Path) || File.ReadAllText(Path).Contains("[never]", StringComparison.Ordinal);
    }

    // The numeric value of a field of the /proc/self/smaps entry whose range holds address, or -1 when none does.
    private static long SmapsField(nint address, string field)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            // A mapping's header starts with its lowercase hex range ("start-end perms ..."); fields with a capital.
            int dash = line.IndexOf('-');
            int space = line.IndexOf(' ');
            if (line.Length > 0 && char.IsAsciiHexDigitLower(line[0]))
            {
                if (ulong.TryParse(line.AsSpan(0, dash), System.Globalization.NumberStyles.HexNumber, null, out ulong start)
                    && ulong.TryParse(line.AsSpan(dash + 1, space - dash - 1), System.Globalization.NumberStyles.HexNumber, null, out ulong end))
                {
                    inside = (ulong)address >= start && (ulong)address < end;
                    continue;
                }
            }
            if (inside && line.StartsWith(field, StringComparison.Ordinal))
            {
                string[] parts = line[field.Length..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return long.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        return -1;
    }
}
