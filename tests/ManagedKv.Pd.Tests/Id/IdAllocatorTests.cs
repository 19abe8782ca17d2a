using ManagedKv.Pd.Id;
using ManagedKv.Pd.Storage;
using ManagedKv.Pd.Tests.Util;

namespace ManagedKv.Pd.Tests.Id;

public sealed class IdAllocatorTests
{
    [Fact]
    public void CountZeroIsOneAndAnswerIsLastOfBlock()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        var ids = new IdAllocator(storage);
        Assert.Equal(1UL, ids.Allocate(0));
        Assert.Equal(2UL, ids.Allocate(1));
        Assert.Equal(12UL, ids.Allocate(10));
        Assert.Equal(12UL, ids.Current);
        Assert.Equal(IdAllocator.IdStep, storage.LoadIdBound());
    }

    [Fact]
    public void BoundMovesInStepsOfOneThousand()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        var ids = new IdAllocator(storage);
        ids.Allocate(999);
        Assert.Equal(1000UL, storage.LoadIdBound());
        ids.Allocate(1);
        Assert.Equal(1000UL, storage.LoadIdBound());
        ids.Allocate(1);
        Assert.Equal(2000UL, storage.LoadIdBound());
        Assert.Equal(4500UL, ids.Allocate(3499));
        Assert.Equal(5000UL, storage.LoadIdBound());
    }

    [Fact]
    public void IdsAreUniqueAcrossRestarts()
    {
        using var dir = new TempDir();
        var seen = new HashSet<ulong>();
        var rng = new Random(7);
        for (int run = 0; run < 4; run++)
        {
            using var storage = PdStorage.Open(dir.Path);
            var ids = new IdAllocator(storage);
            for (int i = 0; i < 50; i++)
            {
                uint count = (uint)rng.Next(0, 80);
                ulong last = ids.Allocate(count);
                uint n = count == 0 ? 1 : count;
                for (ulong id = last - n + 1; id <= last; id++)
                {
                    Assert.True(id > 0);
                    Assert.True(seen.Add(id), $"id {id} handed out twice (run {run})");
                }
            }
        }
    }

    [Fact]
    public void ConcurrentAllocationsDoNotCollide()
    {
        using var dir = new TempDir();
        using var storage = PdStorage.Open(dir.Path);
        var ids = new IdAllocator(storage);
        var results = new ulong[4][];
        Parallel.For(0, 4, t =>
        {
            results[t] = new ulong[5000];
            for (int i = 0; i < results[t].Length; i++)
            {
                results[t][i] = ids.Allocate(1);
            }
        });
        var all = new HashSet<ulong>();
        foreach (ulong[] r in results)
        {
            foreach (ulong id in r)
            {
                Assert.True(all.Add(id));
            }
        }
        Assert.Equal(20_000UL, ids.Current);
    }
}
