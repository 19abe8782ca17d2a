using System.Text;

namespace ManagedKv.Lsm.Tests.Db;

public sealed class DeleteRangeTests
{
    private static byte[] K(int i) => Encoding.ASCII.GetBytes($"k{i:D5}");

    private static List<int> Scan(LsmDb db, ReadOptions? ro = null, bool reverse = false)
    {
        var keys = new List<int>();
        using LsmIterator it = db.NewIterator(ro);
        if (reverse)
        {
            for (it.SeekToLast(); it.Valid; it.Prev())
            {
                keys.Add(int.Parse(Encoding.ASCII.GetString(it.Key)[1..]));
            }
            keys.Reverse();
        }
        else
        {
            for (it.SeekToFirst(); it.Valid; it.Next())
            {
                keys.Add(int.Parse(Encoding.ASCII.GetString(it.Key)[1..]));
            }
        }
        return keys;
    }

    [Fact]
    public void RangeIsHiddenFromGetsAndIteratorsButNotFromOlderSnapshots()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        for (int i = 0; i < 100; i++)
        {
            db.Put(K(i), K(i));
        }
        db.Flush();
        using Snapshot before = db.GetSnapshot();
        db.DeleteRange(K(20), K(40));
        db.Put(K(30), "new"u8); // newer than the tombstone: visible
        var expected = Enumerable.Range(0, 100).Where(i => i < 20 || i >= 40 || i == 30).ToList();
        void Check()
        {
            Assert.Null(db.Get(K(20)));
            Assert.Null(db.Get(K(39)));
            Assert.Equal(K(19), db.Get(K(19)));
            Assert.Equal(K(40), db.Get(K(40)));
            Assert.Equal("new"u8.ToArray(), db.Get(K(30)));
            Assert.Equal(expected, Scan(db));
            Assert.Equal(expected, Scan(db, reverse: true));
            Assert.Equal(K(25), db.Get(K(25), new ReadOptions { Snapshot = before }));
            Assert.Equal(100, Scan(db, new ReadOptions { Snapshot = before }).Count);
        }
        Check();          // tombstone in the memtable
        db.Flush();
        Check();          // tombstone in an L0 file
        db.CompactRange();
        Check();          // compacted with a snapshot holding the range
    }

    [Fact]
    public void TombstonesSurviveReopenAndAreDroppedAtTheBottom()
    {
        using var dir = new TempDir();
        var rnd = new Random(3);
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small()))
        {
            var value = new byte[200];
            for (int i = 0; i < 3000; i++)
            {
                rnd.NextBytes(value);
                db.Put(K(i), value);
            }
            db.CompactRange();
            db.DeleteRange(K(500), K(2500)); // stays in the WAL until reopen
        }
        using (LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small(create: false)))
        {
            Assert.Null(db.Get(K(1000)));
            Assert.NotNull(db.Get(K(499)));
            Assert.NotNull(db.Get(K(2500)));
            Assert.Equal(1000, Scan(db).Count);
            long before = long.Parse(db.GetProperty("rocksdb.total-sst-files-size")!);
            db.CompactRange();
            long after = long.Parse(db.GetProperty("rocksdb.total-sst-files-size")!);
            // Two thirds of the data is gone from disk, and with it the tombstone.
            Assert.True(after < before * 0.45, $"{before} -> {after}");
            Assert.Equal(1000, Scan(db).Count);
            Assert.Null(db.Get(K(1000)));
        }
    }

    [Fact]
    public void TombstonesSpanningSplitOutputsKeepLevelsConsistent()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        var value = new byte[300];
        for (int round = 0; round < 2; round++)
        {
            for (int i = 0; i < 2000; i += 1 + round)
            {
                value[0] = (byte)i;
                db.Put(K(i), value);
            }
            db.Flush();
        }
        using Snapshot snap = db.GetSnapshot(); // keeps covered keys alive through compaction
        db.DeleteRange(K(100), K(1900));
        db.Put(K(1000), "kept"u8);
        db.Flush();
        db.CompactRange(); // many small outputs: the tombstone is cut at each output boundary
        var expected = Enumerable.Range(0, 2000).Where(i => i < 100 || i >= 1900 || i == 1000).ToList();
        Assert.Equal(expected, Scan(db));
        Assert.Equal(expected, Scan(db, reverse: true));
        for (int i = 0; i < 2000; i += 7)
        {
            Assert.Equal(expected.Contains(i), db.Get(K(i)) is not null);
            Assert.NotNull(db.Get(K(i), new ReadOptions { Snapshot = snap }));
        }
        Assert.Equal(2000, Scan(db, new ReadOptions { Snapshot = snap }).Count);
    }

    [Fact]
    public void EmptyAndReversedRanges()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        db.Put(K(1), K(1));
        db.DeleteRange(K(1), K(1));
        Assert.NotNull(db.Get(K(1)));
        Assert.Throws<ArgumentException>(() => db.DeleteRange(K(2), K(1)));
        Assert.NotNull(db.Get(K(1)));
    }
}
