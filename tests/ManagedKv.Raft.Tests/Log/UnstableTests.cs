namespace ManagedKv.Raft.Tests;

public sealed class UnstableTests
{
    private static Entry E(ulong term, ulong index) => new(term, index, EntryType.EntryNormal, default);

    [Fact]
    public void TruncateAndAppendCases()
    {
        var u = new Unstable(5);
        u.TruncateAndAppend([E(1, 5), E(1, 6)]);
        Assert.Equal(7UL, u.Offset + (ulong)u.Count);

        // Direct append.
        u.TruncateAndAppend([E(1, 7)]);
        Assert.Equal(3, u.Count);

        // Replace the suffix from 6.
        u.TruncateAndAppend([E(2, 6), E(2, 7), E(2, 8)]);
        Assert.True(u.TryTerm(5, out ulong t) && t == 1);
        Assert.True(u.TryTerm(8, out t) && t == 2);

        // Replace everything, moving the offset back.
        u.TruncateAndAppend([E(3, 4)]);
        Assert.Equal(4UL, u.Offset);
        Assert.Equal(1, u.Count);
    }

    [Fact]
    public void InProgressEntriesAreHandedOutOnceAndStableToChecksTheTerm()
    {
        var u = new Unstable(1);
        u.TruncateAndAppend([E(1, 1), E(1, 2)]);
        Assert.Equal(2, u.NextEntries().Length);
        u.AcceptInProgress();
        Assert.Empty(u.NextEntries());

        // A conflicting append rewinds what is in progress.
        u.TruncateAndAppend([E(2, 2)]);
        Assert.Equal([E(2, 2)], u.NextEntries());

        // The old (1, 2) persisting must not stabilize the new (2, 2).
        u.StableTo(2, 1);
        Assert.Equal(1UL, u.Offset);
        u.StableTo(1, 1);
        Assert.Equal(2UL, u.Offset);
        u.StableTo(2, 2);
        Assert.Equal(0, u.Count);
    }

    [Fact]
    public void SnapshotRestoreAndStable()
    {
        var u = new Unstable(1);
        u.TruncateAndAppend([E(1, 1)]);
        var snap = new Snapshot(10, 3, new ConfState(1), default);
        u.Restore(snap);
        Assert.Equal(11UL, u.Offset);
        Assert.True(u.TryFirstIndex(out ulong first) && first == 11);
        Assert.True(u.TryLastIndex(out ulong last) && last == 10);
        Assert.True(u.TryTerm(10, out ulong t) && t == 3);
        Assert.Same(snap, u.NextSnapshot());
        u.AcceptInProgress();
        Assert.Null(u.NextSnapshot());
        u.StableSnapTo(10);
        Assert.Null(u.Snapshot);
    }
}
