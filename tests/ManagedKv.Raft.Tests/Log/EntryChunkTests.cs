namespace ManagedKv.Raft.Tests;

/// <summary>Entry memory reuse: slices handed out stay intact until their Ready is released, and are reused after.</summary>
public sealed class EntryChunkTests
{
    private static Entry E(ulong term, ulong index) => new(term, index, EntryType.EntryNormal, default);

    [Fact]
    public void HandedOutEntriesSurviveATruncatingAppendUntilReleased()
    {
        var pool = new EntryChunkPool();
        var u = new Unstable(1, pool);
        u.TruncateAndAppend([E(1, 1), E(1, 2), E(1, 3)]);
        EntrySlice handedOut = u.NextEntries();
        u.AcceptInProgress();
        pool.NextReady = 2;

        // A conflicting append replaces 2 and 3 while Ready 1 may still be sending them.
        u.TruncateAndAppend([E(2, 2), E(2, 3), E(2, 4)]);
        Assert.Equal([1UL, 1UL, 1UL], handedOut.Select(e => e.Term));
        Assert.True(u.TryTerm(3, out ulong t) && t == 2);

        // Once Ready 1 is released its chunk is reused without allocating.
        pool.Release(1);
        u.StableTo(4, 2);
        long before = GC.GetAllocatedBytesForCurrentThread();
        u.TruncateAndAppend([E(2, 5)]);
        EntrySlice next = u.NextEntries();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(5UL, Assert.Single(next).Index);
    }

    [Fact]
    public void AppendsGoPastHandedOutPositionsWhileHeld()
    {
        var pool = new EntryChunkPool();
        var u = new Unstable(1, pool);
        u.TruncateAndAppend([E(1, 1), E(1, 2)]);
        EntrySlice first = u.NextEntries();
        u.AcceptInProgress();
        u.StableTo(2, 1);
        for (ulong i = 3; i < 40; i++)
        {
            u.TruncateAndAppend([E(1, i)]);
        }

        Assert.Equal([1UL, 2UL], first.Select(e => e.Index));
        Assert.Equal(37, u.Count);
        Assert.Equal(3UL, u.EntryAt(3).Index);
        Assert.Equal(39UL, u.EntryAt(39).Index);
    }

    [Fact]
    public void EntrySliceSlicesEnumeratesAndCopies()
    {
        EntrySlice s = [E(1, 1), E(1, 2), E(2, 3), E(2, 4)];
        Assert.Equal(4, s.Length);
        EntrySlice mid = s.Slice(1, 2);
        Assert.Equal([2UL, 3UL], mid.Select(e => e.Index));
        Assert.Equal(3UL, mid[^1].Index);
        ulong sum = 0;
        foreach (Entry e in s.Slice(2))
        {
            sum += e.Index;
        }

        Assert.Equal(7UL, sum);
        Assert.True(s.Slice(4).IsEmpty);
        Assert.Throws<ArgumentOutOfRangeException>(() => s.Slice(3, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => s[4]);
        Entry[] copy = mid.ToArray();
        Assert.Equal(mid.Span.ToArray(), copy);
        Assert.True(EntrySlice.Empty.IsEmpty);
    }
}
