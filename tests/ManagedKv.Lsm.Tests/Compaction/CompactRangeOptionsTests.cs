using System.Text;
using ManagedKv.Lsm.Tests.Db;

namespace ManagedKv.Lsm.Tests.Compaction;

public sealed class CompactRangeOptionsTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    private static (LsmDb Db, RecordingListener Listener) Open(TempDir dir, int numLevels = 4)
    {
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = true;
        o.DefaultColumnFamilyOptions.LevelCompactionDynamicLevelBytes = false;
        o.DefaultColumnFamilyOptions.NumLevels = numLevels;
        var listener = new RecordingListener();
        o.Listeners.Add(listener);
        return (LsmDb.Open(dir.Path, o), listener);
    }

    private static void Fill(LsmDb db, string prefix, int count)
    {
        for (int i = 0; i < count; i++)
        {
            db.Put(B($"{prefix}{i:D4}"), new byte[64]);
        }
    }

    private static int Level(LsmDb db, int level) => int.Parse(db.GetProperty($"rocksdb.num-files-at-level{level}")!);

    [Fact]
    public void WithoutFilterTheBottommostLevelIsNotRewrittenByDefault()
    {
        using var dir = new TempDir();
        (LsmDb db, RecordingListener listener) = Open(dir);
        using (db)
        {
            Fill(db, "k", 200);
            db.CompactRange(); // L0 -> L1, the bottommost level
            Assert.True(Level(db, 1) > 0);
            listener.Events.Clear();
            db.CompactRange();
            Assert.Empty(listener.Compactions);
            db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { BottommostLevelCompaction = BottommostLevelCompaction.Skip });
            Assert.Empty(listener.Compactions);
        }
    }

    [Fact]
    public void ForceRewritesTheBottommostLevelAndDropsItsTombstones()
    {
        using var dir = new TempDir();
        (LsmDb db, RecordingListener listener) = Open(dir);
        using (db)
        {
            Fill(db, "k", 100);
            db.CompactRange();
            using (Snapshot s = db.GetSnapshot())
            {
                for (int i = 0; i < 100; i += 2)
                {
                    db.Delete(B($"k{i:D4}"));
                }
                listener.Events.Clear();
                db.CompactRange(); // the snapshot keeps the deleted values, and so the tombstones
                Assert.Equal(50L, listener.Compactions.Last().OutputTableProperties.Sum(p => (long)p.NumDeletions));
            }
            listener.Events.Clear();
            db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { BottommostLevelCompaction = BottommostLevelCompaction.Force });
            CompactionJobInfo job = Assert.Single(listener.Compactions);
            Assert.Equal(1, job.OutputLevel);
            Assert.Equal(1, job.BaseInputLevel);
            Assert.True(job.IsManualCompaction);
            Assert.Equal("manual bottommost", job.Reason);
            Assert.Equal(0L, job.OutputTableProperties.Sum(p => (long)p.NumDeletions));
            Assert.Equal("50", db.GetProperty("rocksdb.estimate-num-keys"));
        }
    }

    [Fact]
    public void ForceOptimizedSkipsFilesThisCallWrote()
    {
        using var dir = new TempDir();
        (LsmDb db, RecordingListener listener) = Open(dir);
        using (db)
        {
            Fill(db, "a", 100);
            db.CompactRange(); // bottom files holding a*
            Fill(db, "b", 100);
            db.Flush();
            listener.Events.Clear();
            db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { BottommostLevelCompaction = BottommostLevelCompaction.ForceOptimized });
            CompactionJobInfo[] jobs = listener.Compactions.ToArray();
            // L0 (b*) -> L1 writes new files; the bottommost pass rewrites only the older a* files.
            Assert.Equal(2, jobs.Length);
            Assert.Equal(0, jobs[0].BaseInputLevel);
            Assert.Equal("manual bottommost", jobs[1].Reason);
            Assert.DoesNotContain(jobs[1].InputFiles, n => jobs[0].OutputFiles.Contains(n));

            listener.Events.Clear();
            db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { BottommostLevelCompaction = BottommostLevelCompaction.Force });
            jobs = listener.Compactions.ToArray();
            CompactionJobInfo bottom = Assert.Single(jobs); // nothing above: everything at the bottom is rewritten
            Assert.Equal("manual bottommost", bottom.Reason);
            for (int i = 0; i < 100; i++)
            {
                Assert.NotNull(db.Get(B($"a{i:D4}")));
                Assert.NotNull(db.Get(B($"b{i:D4}")));
            }
        }
    }

    [Fact]
    public void ChangeLevelMovesTheResultAndRefusesToJumpOverFiles()
    {
        using var dir = new TempDir();
        (LsmDb db, _) = Open(dir, numLevels: 5);
        using (db)
        {
            Fill(db, "k", 100);
            db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { ChangeLevel = true, TargetLevel = 4 });
            Assert.Equal(0, Level(db, 1));
            Assert.True(Level(db, 4) > 0);
            Assert.NotNull(db.Get(B("k0050")));

            // Back up: TargetLevel -1 picks the smallest empty level that fits (L1: 128 KiB target).
            db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { ChangeLevel = true });
            Assert.True(Level(db, 1) > 0);
            Assert.Equal(0, Level(db, 4));

            // New data in the range follows the moved files down to their level.
            db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { ChangeLevel = true, TargetLevel = 3 });
            Assert.True(Level(db, 3) > 0);
            Fill(db, "z", 10);
            db.Flush();
            db.CompactRange(db.DefaultColumnFamily, B("z"), null, new CompactRangeOptions { BottommostLevelCompaction = BottommostLevelCompaction.Skip });
            Assert.Equal(0, Level(db, 0) + Level(db, 1) + Level(db, 2));
            Assert.NotNull(db.Get(B("z0005")));
            Assert.Throws<ArgumentOutOfRangeException>(() =>
                db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { ChangeLevel = true, TargetLevel = 5 }));
        }
    }

    [Fact]
    public void ChangeLevelFailsWhenALevelInBetweenHoldsFiles()
    {
        using var dir = new TempDir();
        (LsmDb db, _) = Open(dir, numLevels: 5);
        using (db)
        {
            Fill(db, "k", 50);
            db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { ChangeLevel = true, TargetLevel = 3 });
            Assert.True(Level(db, 3) > 0);
            Fill(db, "z", 10);
            db.Flush(); // an L0 file outside the range compacted next
            InvalidOperationException e = Assert.Throws<InvalidOperationException>(() =>
                db.CompactRange(db.DefaultColumnFamily, B("k"), B("k9999"), new CompactRangeOptions { ChangeLevel = true, TargetLevel = 0 }));
            Assert.Contains("level 0 holds 1 files", e.Message);
            Assert.Equal(1, Level(db, 0));
            Assert.True(Level(db, 3) > 0);
            Assert.NotNull(db.Get(B("k0001")));
            Assert.NotNull(db.Get(B("z0001")));
        }
    }

    [Fact]
    public void NonExclusiveManualCompactionRunsBesideAutomaticOnes()
    {
        using var dir = new TempDir();
        DbOptions o = TestOptions.Small();
        using LsmDb db = LsmDb.Open(dir.Path, o);
        var writer = Task.Run(() =>
        {
            for (int i = 0; i < 3000; i++)
            {
                db.Put(B($"w{i % 500:D4}"), new byte[100]);
            }
        });
        for (int round = 0; round < 3; round++)
        {
            db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { ExclusiveManualCompaction = false });
        }
        writer.Wait();
        db.CompactRange(db.DefaultColumnFamily, null, null, new CompactRangeOptions { ExclusiveManualCompaction = false });
        for (int i = 0; i < 500; i++)
        {
            Assert.NotNull(db.Get(B($"w{i:D4}")));
        }
        Assert.Equal("0", db.GetProperty("rocksdb.num-files-at-level0"));
    }
}
