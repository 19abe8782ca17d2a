using System.Text;
using ManagedKv.Lsm.Tests.Db;

namespace ManagedKv.Lsm.Tests.Compaction;

public sealed class CompactionFilterTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static DbOptions Options(TestCompactionFilterFactory factory, bool create = true)
    {
        DbOptions o = TestOptions.Small(create);
        o.DefaultColumnFamilyOptions.CompactionFilterFactory = factory;
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = true;
        return o;
    }

    [Fact]
    public void FilterKeepsRemovesAndChangesValuesInCompactionsNotFlushes()
    {
        using var dir = new TempDir();
        var factory = new TestCompactionFilterFactory();
        var listener = new RecordingListener();
        DbOptions o = Options(factory);
        o.Listeners.Add(listener);
        using LsmDb db = LsmDb.Open(dir.Path, o);
        db.Put(B("a"), B("keep"));
        db.Put(B("b"), B("gc-me"));
        db.Put(B("c"), B("update-me"));
        db.Put(B("d"), B("keep"));
        db.Delete(B("d"));
        db.Flush();
        Assert.Empty(factory.Contexts); // flushes do not filter
        Assert.Equal(B("gc-me"), db.Get(B("b")));

        db.CompactRange();
        Assert.Equal(B("keep"), db.Get(B("a")));
        Assert.Null(db.Get(B("b")));
        Assert.Equal(B("changed"), db.Get(B("c")));
        Assert.Null(db.Get(B("d")));
        Assert.DoesNotContain("d", factory.Seen); // a deletion is never shown to the filter
        Assert.True(factory.Contexts.TryPeek(out CompactionFilterContext? ctx));
        Assert.True(ctx!.IsManualCompaction);
        Assert.True(ctx.IsBottommostLevel);
        Assert.True(ctx.IsFullCompaction);
        Assert.Equal("default", ctx.ColumnFamilyName);
        Assert.Equal(0u, ctx.ColumnFamilyId);
        Assert.Equal(factory.Contexts.Count, factory.Disposed);
        Assert.Equal(1, db.Statistics.Get(Ticker.CompactionKeyDropUser));
        Assert.Equal(1, db.Statistics.Get(Ticker.CompactionValueChangedUser));
        CompactionJobInfo job = listener.Compactions.First(j => j.EntriesRemovedByFilter > 0);
        Assert.Equal(1, job.EntriesChangedByFilter);
        // Bottommost: the removed value leaves no tombstone behind (a and c only).
        Assert.Equal(0L, job.OutputTableProperties.Sum(p => (long)p.NumDeletions));
        Assert.Equal(2L, job.OutputTableProperties.Sum(p => (long)p.NumEntries));
    }

    [Fact]
    public void FilterSeesOnlyTheNewestVersionOfEachKeyAndIgnoresSnapshots()
    {
        using var dir = new TempDir();
        var factory = new TestCompactionFilterFactory();
        using LsmDb db = LsmDb.Open(dir.Path, Options(factory));
        db.Put(B("k"), B("old"));
        using Snapshot before = db.GetSnapshot();
        db.Put(B("k"), B("gc-newest"));
        using Snapshot after = db.GetSnapshot();
        db.CompactRange();
        Assert.Equal(["k"], factory.Seen.ToArray()); // "old" (kept for the older snapshot) is not filtered
        Assert.Null(db.Get(B("k")));
        // IgnoreSnapshots: the snapshot taken after the removed value no longer sees it...
        Assert.Null(db.Get(B("k"), new ReadOptions { Snapshot = after }));
        // ...while the older snapshot still sees the version below, kept under a tombstone.
        Assert.Equal(B("old"), db.Get(B("k"), new ReadOptions { Snapshot = before }));
        using LsmIterator it = db.NewIterator(new ReadOptions { Snapshot = before });
        it.SeekToFirst();
        Assert.True(it.Valid);
        Assert.Equal(B("old"), it.Value.ToArray());
    }

    [Fact]
    public void RemoveAboveOlderVersionsWritesATombstoneUntilTheBottom()
    {
        using var dir = new TempDir();
        var factory = new TestCompactionFilterFactory();
        DbOptions o = Options(factory);
        o.DefaultColumnFamilyOptions.LevelCompactionDynamicLevelBytes = false;
        o.DefaultColumnFamilyOptions.NumLevels = 4;
        var listener = new RecordingListener();
        o.Listeners.Add(listener);
        using LsmDb db = LsmDb.Open(dir.Path, o);
        db.Put(B("k"), B("old"));
        db.Put(B("x"), B("keep"));
        db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { ChangeLevel = true, TargetLevel = 3 });
        Assert.Equal("1", db.GetProperty("rocksdb.num-files-at-level3"));

        db.Put(B("k"), B("gc-new"));
        db.Flush();
        factory.Contexts.Clear();
        factory.Seen.Clear();
        listener.Events.Clear();
        // L0 -> L1 -> L2 -> L3. Above L3 (which holds "old") the removal must leave a tombstone; in L3 the tombstone
        // and "old" meet and both go.
        db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { BottommostLevelCompaction = BottommostLevelCompaction.Skip });
        CompactionFilterContext[] contexts = factory.Contexts.ToArray();
        Assert.Equal([1, 2, 3], contexts.Select(c => c.OutputLevel));
        Assert.Equal([false, false, true], contexts.Select(c => c.IsBottommostLevel));
        CompactionJobInfo[] jobs = listener.Compactions.ToArray();
        Assert.Equal([1, 2, 3], jobs.Select(j => j.OutputLevel));
        Assert.Equal(1, jobs[0].EntriesRemovedByFilter);
        Assert.Equal(1UL, jobs[0].OutputTableProperties.Single().NumDeletions);
        Assert.Equal(0, jobs[1].EntriesRemovedByFilter); // a tombstone is not shown to the filter
        Assert.Equal(1UL, jobs[1].OutputTableProperties.Single().NumDeletions);
        Assert.Equal(0UL, jobs[2].OutputTableProperties.Single().NumDeletions);
        Assert.Equal(1UL, jobs[2].OutputTableProperties.Single().NumEntries); // only "x"
        // "k" (the new value) in L0 -> L1, "x" in L2 -> L3; never the tombstone or the older "old" below it.
        Assert.Equal(["k", "x"], factory.Seen.ToArray());
        Assert.Null(db.Get(B("k")));
        Assert.Equal(B("keep"), db.Get(B("x")));
        using LsmIterator it = db.NewIterator();
        it.SeekToFirst();
        Assert.Equal(B("x"), it.Key.ToArray());
        it.Next();
        Assert.False(it.Valid);
    }

    [Fact]
    public void AutomaticCompactionsCallTheFilterAsNotManual()
    {
        using var dir = new TempDir();
        var factory = new TestCompactionFilterFactory();
        DbOptions o = Options(factory);
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = false;
        using LsmDb db = LsmDb.Open(dir.Path, o);
        for (int file = 0; file < 4; file++)
        {
            for (int i = 0; i < 50; i++)
            {
                db.Put(B($"k{i:D3}"), B(i % 2 == 0 ? "gc" : $"v{file}"));
            }
            db.Flush();
        }
        SpinWait.SpinUntil(() => !factory.Contexts.IsEmpty && db.GetProperty("rocksdb.num-running-compactions") == "0", 10_000);
        Assert.Contains(factory.Contexts, c => !c.IsManualCompaction);
        db.CompactRange();
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(i % 2 == 0 ? null : B("v3"), db.Get(B($"k{i:D3}")));
        }
    }
}
