using System.Text;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Tests.Db;

namespace ManagedKv.Lsm.Tests.Ingest;

public sealed class DeleteFilesInRangeTests
{
    private static byte[] Key(int i) => Encoding.UTF8.GetBytes($"key{i:D6}");

    [Fact]
    public void DropsOnlyWholeFilesInsideTheRange()
    {
        using var dir = new TempDir();
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = true;
        o.DefaultColumnFamilyOptions.TargetFileSizeBase = 8 << 10;
        o.DefaultColumnFamilyOptions.CompressionPerLevel = [CompressionType.None];
        var rnd = new Random(5);
        using LsmDb db = LsmDb.Open(dir.Path, o);
        for (int i = 0; i < 3000; i++)
        {
            var value = new byte[40];
            rnd.NextBytes(value);
            db.Put(Key(i), value);
        }
        db.CompactRange(null, null);
        db.Put(Key(1500), Encoding.UTF8.GetBytes("in L0"));
        db.Flush(); // an L0 file fully inside the range: kept

        // Which files should go: those of L1+ with both bounds inside [begin, end].
        byte[] begin = Key(1000);
        byte[] end = Key(2000);
        var expectedGone = new HashSet<string>();
        var bounds = new List<(byte[] Lo, byte[] Hi)>();
        foreach ((string path, TableProperties p) in db.GetPropertiesOfAllTables())
        {
            byte[] lo = InternalKey.UserKey(p.SmallestKey).ToArray();
            byte[] hi = InternalKey.UserKey(p.LargestKey).ToArray();
            if (lo.AsSpan().SequenceCompareTo(begin) >= 0 && hi.AsSpan().SequenceCompareTo(end) <= 0 && p.NumEntries > 1)
            {
                expectedGone.Add(path);
                bounds.Add((lo, hi));
            }
        }
        Assert.True(expectedGone.Count >= 3, $"only {expectedGone.Count} files inside the range: " + db.GetProperty("rocksdb.levelstats")
            + string.Join(", ", db.GetPropertiesOfAllTables().Values.Select(p => Encoding.UTF8.GetString(InternalKey.UserKey(p.SmallestKey)) + ".." + Encoding.UTF8.GetString(InternalKey.UserKey(p.LargestKey)))));
        using Snapshot before = db.GetSnapshot();
        Assert.Equal(expectedGone.Count, db.DeleteFilesInRange(begin, end));
        IReadOnlyDictionary<string, TableProperties> after = db.GetPropertiesOfAllTables();
        Assert.DoesNotContain(after.Keys, expectedGone.Contains);
        Assert.Equal("1", db.GetProperty("rocksdb.num-files-at-level0"));

        for (int i = 0; i < 3000; i++)
        {
            bool inDroppedFile = bounds.Exists(b => Key(i).AsSpan().SequenceCompareTo(b.Lo) >= 0 && Key(i).AsSpan().SequenceCompareTo(b.Hi) <= 0);
            byte[]? v = db.Get(Key(i));
            if (i == 1500)
            {
                Assert.Equal("in L0", Encoding.UTF8.GetString(v!));
            }
            else if (inDroppedFile)
            {
                Assert.Null(v);
                Assert.Null(db.Get(Key(i), new ReadOptions { Snapshot = before })); // snapshots lose the range too
            }
            else
            {
                Assert.NotNull(v);
            }
        }
        Assert.Equal(0, db.DeleteFilesInRange(begin, end));
    }
}
