using ManagedKv.Lsm.Compaction;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Tests.Db;
using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm.Tests.Compaction;

/// <summary>Compensated file sizes: deletions make a file count larger in compaction scores (RocksDB's rule).</summary>
public sealed class CompensatedSizeTests
{
    private static FileMetaData File(long size, ulong entries, ulong deletions, ulong rawValues)
    {
        var f = new FileMetaData(1, size, new byte[8], new byte[8], 0, 0);
        f.SetStats(new TableProperties { NumEntries = entries, NumDeletions = deletions, RawValueSize = rawValues });
        return f;
    }

    [Fact]
    public void OnlyFilesWithAtLeastHalfDeletionsAreCompensated()
    {
        // 100 entries of which 80 deletions: (160 - 100) excess deletions x 50 B average value x weight 2.
        Assert.Equal(1000 + (60 * 50 * 2), CompactionPicker.CompensatedSize(File(1000, 100, 80, 0), 50));
        // Exactly half: compensated by 0.
        Assert.Equal(1000, CompactionPicker.CompensatedSize(File(1000, 100, 50, 0), 50));
        // Fewer deletions than other entries, or no stats: the plain size.
        Assert.Equal(1000, CompactionPicker.CompensatedSize(File(1000, 100, 10, 0), 50));
        Assert.Equal(1000, CompactionPicker.CompensatedSize(new FileMetaData(2, 1000, new byte[8], new byte[8], 0, 0), 50));
        // Stats are recorded once.
        FileMetaData f = File(1000, 100, 80, 0);
        f.SetStats(new TableProperties { NumEntries = 1, NumDeletions = 0 });
        Assert.Equal(80, f.NumDeletions);
    }

    private static DbOptions Options()
    {
        var o = new DbOptions { CreateIfMissing = true, BlockCache = new BlockCache(1 << 20) };
        ColumnFamilyOptions c = o.DefaultColumnFamilyOptions;
        c.WriteBufferSize = 4 << 20;
        c.Level0FileNumCompactionTrigger = 4;
        c.MaxBytesForLevelBase = 1 << 20;
        c.TargetFileSizeBase = 256 << 10;
        c.CompressionPerLevel = [CompressionType.None];
        return o;
    }

    // Obsolete tables are deleted by a background thread outside the DB mutex: one may go between listing and stat.
    private static long TableBytes(string path)
    {
        long total = 0;
        foreach (FileInfo f in new DirectoryInfo(path).GetFiles("*.sst"))
        {
            try
            {
                total += f.Length;
            }
            catch (FileNotFoundException)
            {
            }
        }
        return total;
    }

    [Fact]
    public void AnL0FileOfDeletionsIsCompactedBeforeTheFileCountTriggers()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, Options());
        var value = new byte[200];
        new Random(5).NextBytes(value);
        for (int i = 0; i < 4000; i++)
        {
            db.Put(BitConverter.GetBytes(i), value);
        }
        db.CompactRange();
        long before = TableBytes(dir.Path);
        Assert.Equal("0", db.GetProperty("rocksdb.num-files-at-level0"));

        // A few deletions: one small L0 file, below every trigger.
        for (int i = 0; i < 50; i++)
        {
            db.Delete(BitConverter.GetBytes(i));
        }
        db.Flush();
        Assert.Equal("1", db.GetProperty("rocksdb.num-files-at-level0"));
        Assert.Equal("0", db.GetProperty("rocksdb.compaction-pending"));

        // Most keys deleted: the L0 file of tombstones counts by the ~600 KB of values they remove, 1.2 MB in all,
        // past the 1 MiB level base: compacted although L0 holds 2 files and the trigger is 4.
        for (int i = 50; i < 3000; i++)
        {
            db.Delete(BitConverter.GetBytes(i));
        }
        db.Flush();
        // The compaction's inputs are deleted by its thread after it leaves the DB mutex: wait for the files too.
        Assert.True(SpinWait.SpinUntil(() => db.GetProperty("rocksdb.num-files-at-level0") == "0"
            && db.GetProperty("rocksdb.num-running-compactions") == "0" && TableBytes(dir.Path) < before / 2, 10_000),
            "the deletions were not compacted");
        long after = TableBytes(dir.Path);
        Assert.True(after < before / 2, $"tables {after} B after deleting 3/4 of the keys, {before} B before");
        for (int i = 2990; i < 3010; i++)
        {
            Assert.Equal(i < 3000 ? null : value, db.Get(BitConverter.GetBytes(i)));
        }
    }
}
