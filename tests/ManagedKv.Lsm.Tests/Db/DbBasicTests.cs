using System.Text;

namespace ManagedKv.Lsm.Tests.Db;

public sealed class DbBasicTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void PutGetDeleteAcrossFlushAndReopen()
    {
        using var dir = new TempDir();
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small()))
        {
            db.Put(B("a"), B("1"));
            db.Put(B("b"), B("2"));
            db.Delete(B("a"));
            Assert.Null(db.Get(B("a")));
            Assert.Equal(B("2"), db.Get(B("b")));
            db.Flush();
            Assert.Equal("1", db.GetProperty("rocksdb.num-files-at-level0"));
            Assert.Null(db.Get(B("a")));
            Assert.Equal(B("2"), db.Get(B("b")));
            db.Put(B("c"), B("3"));
        }
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small(create: false)))
        {
            Assert.Null(db.Get(B("a")));
            Assert.Equal(B("2"), db.Get(B("b")));
            Assert.Equal(B("3"), db.Get(B("c")));
        }
    }

    [Fact]
    public void OpenMissingWithoutCreateFails()
    {
        using var dir = new TempDir();
        Assert.Throws<DirectoryNotFoundException>(() => LsmDb.Open(dir.Sub("none"), new DbOptions()));
    }

    [Fact]
    public void SecondOpenOfSameFolderFails()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        Assert.Throws<IOException>(() => LsmDb.Open(dir.Path, TestOptions.Small()));
    }

    [Fact]
    public void ColumnFamiliesAreIndependentAndSurviveReopen()
    {
        using var dir = new TempDir();
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small()))
        {
            ColumnFamily write = db.CreateColumnFamily("write", TestOptions.Tune(new ColumnFamilyOptions()));
            ColumnFamily lockCf = db.CreateColumnFamily("lock");
            var batch = new WriteBatch();
            batch.Put(write, B("k"), B("w"));
            batch.Put(lockCf, B("k"), B("l"));
            batch.Put(B("k"), B("d"));
            db.Write(batch);
            Assert.Equal(B("w"), db.Get(write, B("k")));
            Assert.Equal(B("l"), db.Get(lockCf, B("k")));
            Assert.Equal(B("d"), db.Get(B("k")));
            db.Flush(write);
            Assert.Throws<ArgumentException>(() => db.CreateColumnFamily("write"));
        }
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small(create: false)))
        {
            Assert.Equal(3, db.ColumnFamilies.Count);
            ColumnFamily write = db.GetColumnFamily("write")!;
            ColumnFamily lockCf = db.GetColumnFamily("lock")!;
            Assert.Equal(B("w"), db.Get(write, B("k")));
            Assert.Equal(B("l"), db.Get(lockCf, B("k")));
            db.DropColumnFamily(lockCf);
            Assert.Throws<ArgumentException>(() => db.Get(lockCf, B("k")));
            Assert.Throws<ArgumentException>(() => db.DropColumnFamily(db.DefaultColumnFamily));
        }
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small(create: false)))
        {
            Assert.Null(db.GetColumnFamily("lock"));
            Assert.Equal(B("w"), db.Get(db.GetColumnFamily("write")!, B("k")));
            // A dropped CF's name can be reused; it starts empty.
            ColumnFamily again = db.CreateColumnFamily("lock");
            Assert.Null(db.Get(again, B("k")));
        }
    }

    [Fact]
    public void SnapshotSeesOldValuesAcrossFlushAndCompaction()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        db.Put(B("k"), B("old"));
        using Snapshot snap = db.GetSnapshot();
        db.Put(B("k"), B("new"));
        db.Delete(B("gone"));
        db.Flush();
        db.CompactRange();
        Assert.Equal(B("old"), db.Get(B("k"), new ReadOptions { Snapshot = snap }));
        Assert.Equal(B("new"), db.Get(B("k")));
    }

    [Fact]
    public void CompactionDropsOverwrittenVersionsAndTombstones()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        var rnd = new Random(5);
        var value = new byte[100];
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 2000; i++)
            {
                rnd.NextBytes(value); // incompressible, so file sizes track entry counts
                db.Put(B($"key{i:D6}"), value);
            }
            db.Flush();
        }
        for (int i = 0; i < 2000; i += 2)
        {
            db.Delete(B($"key{i:D6}"));
        }
        db.CompactRange();
        int count = 0;
        using (LsmIterator it = db.NewIterator())
        {
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
                count++;
            }
        }
        Assert.Equal(1000, count);
        // Only live keys remain on disk: 1000 × (key + value) plus overhead, far below 3 × 2000 versions.
        long sstBytes = long.Parse(db.GetProperty("rocksdb.total-sst-files-size")!);
        Assert.InRange(sstBytes, 1000 * 100, 1000 * 200);
        Assert.Equal("1000", db.GetProperty("rocksdb.estimate-num-keys"));
    }

    [Fact]
    public void IteratorRespectsBoundsInBothDirections()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        for (int i = 0; i < 100; i++)
        {
            db.Put(B($"{i:D3}"), B($"v{i}"));
        }
        db.Flush();
        for (int i = 0; i < 100; i += 3)
        {
            db.Delete(B($"{i:D3}"));
        }
        var opts = new ReadOptions { LowerBound = B("010"), UpperBound = B("020") };
        using LsmIterator it = db.NewIterator(opts);
        var forward = new List<string>();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            forward.Add(Encoding.UTF8.GetString(it.Key));
        }
        Assert.Equal(["010", "011", "013", "014", "016", "017", "019"], forward);
        var backward = new List<string>();
        for (it.SeekToLast(); it.Valid; it.Prev())
        {
            backward.Add(Encoding.UTF8.GetString(it.Key));
        }
        forward.Reverse();
        Assert.Equal(forward, backward);
        it.Seek(B("000"));
        Assert.Equal("010", Encoding.UTF8.GetString(it.Key));
        it.SeekForPrev(B("999"));
        Assert.Equal("019", Encoding.UTF8.GetString(it.Key));
        it.SeekForPrev(B("015"));
        Assert.Equal("014", Encoding.UTF8.GetString(it.Key));
        it.Next();
        Assert.Equal("016", Encoding.UTF8.GetString(it.Key));
        it.Prev();
        Assert.Equal("014", Encoding.UTF8.GetString(it.Key));
    }

    [Fact]
    public void ConcurrentSyncWritersShareGroupsAndLoseNothing()
    {
        using var dir = new TempDir();
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small()))
        {
            var sync = new WriteOptions { Sync = true };
            var threads = new Thread[8];
            for (int t = 0; t < threads.Length; t++)
            {
                int id = t;
                threads[t] = new Thread(() =>
                {
                    for (int i = 0; i < 300; i++)
                    {
                        db.Put(B($"t{id}-{i:D4}"), B($"{id}:{i}"), sync);
                    }
                });
                threads[t].Start();
            }
            foreach (Thread t in threads)
            {
                t.Join();
            }
            Assert.Equal(8UL * 300, db.LatestSequenceNumber);
        }
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small(create: false)))
        {
            for (int t = 0; t < 8; t++)
            {
                for (int i = 0; i < 300; i++)
                {
                    Assert.Equal(B($"{t}:{i}"), db.Get(B($"t{t}-{i:D4}")));
                }
            }
        }
    }

    [Fact]
    public void MemoryUsageReportsMemtablesAndCache()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        long usedBefore = long.Parse(db.GetProperty("rocksdb.cur-size-active-mem-table")!);
        for (int i = 0; i < 200; i++)
        {
            db.Put(B($"k{i}"), new byte[100]);
        }
        long usedAfter = long.Parse(db.GetProperty("rocksdb.cur-size-active-mem-table")!);
        LsmMemoryUsage after = db.GetMemoryUsage();
        Assert.True(usedAfter >= usedBefore + 200 * 100, $"{usedBefore} -> {usedAfter}");
        // Memory held counts whole arena chunks, so it is at least what the entries use.
        Assert.True(after.ActiveMemTables >= usedAfter, after.ToString());
        Assert.Equal(1 << 20, after.BlockCacheCapacity);
    }

    [Fact]
    public void WalsLeftBySwitchesKeepTheirZeroTailAndReplay()
    {
        using var dir = new TempDir();
        var model = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        var random = new Random(17);
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small()))
        {
            db.PauseBackgroundWork(); // the switched-away WALs stay until the reopen replays them
            // Two 64 KiB memtables' worth: two switches, three WALs.
            for (int i = 0; i < 1100; i++)
            {
                string key = $"k{random.Next(5000):D5}";
                var value = new byte[random.Next(50, 150)];
                random.NextBytes(value);
                db.Put(B(key), value);
                model[key] = value;
            }
            Assert.Equal("2", db.GetProperty("rocksdb.num-immutable-mem-table"));
        }
        string[] logs = Directory.GetFiles(dir.Path, "*.log");
        Assert.Equal(3, logs.Length);
        // The two older logs were closed without truncation (their preallocated tail is 4 MiB of zeros); the last one
        // was truncated by the close.
        Assert.Equal(2, logs.Count(f => new FileInfo(f).Length >= 1 << 20));
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small(create: false)))
        {
            foreach ((string key, byte[] value) in model)
            {
                Assert.Equal(value, db.Get(B(key)));
            }
        }
    }

    [Fact]
    public void FilesReleasedByAReaderAreDeletedByTheNextPurgeNotByTheReader()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        for (int i = 0; i < 500; i++)
        {
            db.Put(B($"k{i:D4}"), new byte[100]);
        }
        db.Flush();
        string[] flushed = Directory.GetFiles(dir.Path, "*.sst");
        Assert.NotEmpty(flushed);
        var iterator = db.NewIterator(); // pins the version holding the flushed files
        // Overwrite everything so the compaction rewrites the flushed files rather than moving them down.
        for (int i = 0; i < 500; i++)
        {
            db.Put(B($"k{i:D4}"), new byte[100]);
        }
        db.CompactRange();
        var live = new HashSet<string>(db.GetPropertiesOfAllTables(db.DefaultColumnFamily).Keys.Select(Path.GetFileName)!);
        Assert.DoesNotContain(flushed, f => live.Contains(Path.GetFileName(f)));
        Assert.All(flushed, f => Assert.True(File.Exists(f), $"{f} is pinned by the iterator"));
        iterator.Dispose(); // the reader drops the last reference: the files are queued, not deleted on its thread
        Assert.All(flushed, f => Assert.True(File.Exists(f), $"{f} was deleted by the reader"));
        db.Flush(); // purges the queue (nothing to flush)
        Assert.All(flushed, f => Assert.False(File.Exists(f), $"{f} was not purged"));
        Assert.Equal(new byte[100], db.Get(B("k0250")));
    }
}
