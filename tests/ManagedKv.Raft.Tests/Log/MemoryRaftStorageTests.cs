namespace ManagedKv.Raft.Tests;

/// <summary>The log compaction contract of <see cref="IRaftStorage"/> as implemented by <see cref="MemoryRaftStorage"/>
/// (etcd's storage_test.go).</summary>
public sealed class MemoryRaftStorageTests
{
    private static MemoryRaftStorage WithEntries35()
    {
        // Snapshot at 3 (term 3), entries 4 (term 4) and 5 (term 5).
        var s = new MemoryRaftStorage();
        s.ApplySnapshot(new Snapshot(3, 3, new ConfState(1), default));
        s.Append([new Entry(4, 4, EntryType.EntryNormal, default), new Entry(5, 5, EntryType.EntryNormal, default)]);
        return s;
    }

    [Theory]
    [InlineData(2UL, StorageStatus.Compacted, 0UL)]
    [InlineData(3UL, StorageStatus.Ok, 3UL)]
    [InlineData(4UL, StorageStatus.Ok, 4UL)]
    [InlineData(5UL, StorageStatus.Ok, 5UL)]
    [InlineData(6UL, StorageStatus.Unavailable, 0UL)]
    public void Term(ulong index, StorageStatus expected, ulong expectTerm)
    {
        Assert.Equal(expected, WithEntries35().Term(index, out ulong t));
        Assert.Equal(expectTerm, t);
    }

    [Theory]
    [InlineData(2UL, 6UL, ulong.MaxValue, StorageStatus.Compacted, 0)]
    [InlineData(3UL, 4UL, ulong.MaxValue, StorageStatus.Compacted, 0)]
    [InlineData(4UL, 5UL, ulong.MaxValue, StorageStatus.Ok, 1)]
    [InlineData(4UL, 6UL, ulong.MaxValue, StorageStatus.Ok, 2)]
    [InlineData(4UL, 7UL, ulong.MaxValue, StorageStatus.Unavailable, 0)]
    // Size limits: at least one entry; stop before exceeding.
    [InlineData(4UL, 6UL, 0UL, StorageStatus.Ok, 1)]
    [InlineData(4UL, 6UL, Entry.OverheadBytes, StorageStatus.Ok, 1)]
    [InlineData(4UL, 6UL, (2 * Entry.OverheadBytes) - 1, StorageStatus.Ok, 1)]
    [InlineData(4UL, 6UL, 2 * Entry.OverheadBytes, StorageStatus.Ok, 2)]
    public void Entries(ulong lo, ulong hi, ulong maxSize, StorageStatus expected, int count)
    {
        var output = new List<Entry>();
        Assert.Equal(expected, WithEntries35().Entries(lo, hi, maxSize, output));
        Assert.Equal(count, output.Count);
    }

    [Fact]
    public void FirstAndLastIndex()
    {
        MemoryRaftStorage s = WithEntries35();
        Assert.Equal(4UL, s.FirstIndex());
        Assert.Equal(5UL, s.LastIndex());
        s.Append([new Entry(5, 6, EntryType.EntryNormal, default)]);
        Assert.Equal(6UL, s.LastIndex());
    }

    [Fact]
    public void CompactKeepsTheDummyEntry()
    {
        MemoryRaftStorage s = WithEntries35();
        s.Compact(2);
        Assert.Equal(4UL, s.FirstIndex());
        s.Compact(4);
        Assert.Equal(5UL, s.FirstIndex());
        Assert.Equal(StorageStatus.Ok, s.Term(4, out ulong t));
        Assert.Equal(4UL, t);
        Assert.Throws<InvalidOperationException>(() => s.Compact(6));
    }

    [Fact]
    public void AppendTruncatesConflictsAndIgnoresCompactedEntries()
    {
        MemoryRaftStorage s = WithEntries35();

        // Overwrite 5 with a new term and extend.
        s.Append([new Entry(6, 5, EntryType.EntryNormal, default), new Entry(6, 6, EntryType.EntryNormal, default)]);
        Assert.Equal([4UL, 6UL, 6UL], s.AllEntries().Select(e => e.Term));

        // Entries at or below the snapshot are skipped.
        s.Append([new Entry(3, 2, EntryType.EntryNormal, default), new Entry(3, 3, EntryType.EntryNormal, default), new Entry(7, 4, EntryType.EntryNormal, default)]);
        Assert.Equal([7UL], s.AllEntries().Select(e => e.Term));

        // A gap is a bug.
        Assert.Throws<InvalidOperationException>(() => s.Append([new Entry(7, 9, EntryType.EntryNormal, default)]));
    }

    [Fact]
    public void CreateAndApplySnapshot()
    {
        MemoryRaftStorage s = WithEntries35();
        Snapshot snap = s.CreateSnapshot(4, new ConfState(1, 2), "x"u8.ToArray());
        Assert.Equal(4UL, snap.Index);
        Assert.Equal(4UL, snap.Term);
        Assert.Same(snap, s.Snapshot());

        // An older snapshot does not replace a newer one.
        Assert.False(s.ApplySnapshot(new Snapshot(2, 2, new ConfState(1), default)));
        Assert.True(s.ApplySnapshot(new Snapshot(10, 9, new ConfState(1), default)));
        Assert.Equal(11UL, s.FirstIndex());
        Assert.Equal(10UL, s.LastIndex());
    }
}
