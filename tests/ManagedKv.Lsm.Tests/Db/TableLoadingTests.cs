namespace ManagedKv.Lsm.Tests.Db;

/// <summary>Table readers are opened ahead of the reads, as RocksDB's LoadTableHandlers does.</summary>
public sealed class TableLoadingTests
{
    private static DbOptions Options(int maxOpenFiles, bool create)
    {
        var o = new DbOptions { CreateIfMissing = create, MaxOpenFiles = maxOpenFiles };
        o.DefaultColumnFamilyOptions.DisableAutoCompactions = true; // every flush stays its own L0 file
        o.DefaultColumnFamilyOptions.Level0SlowdownWritesTrigger = 1000;
        o.DefaultColumnFamilyOptions.Level0StopWritesTrigger = 1000;
        return o;
    }

    private static int WriteFiles(string path, int files)
    {
        using LsmDb db = LsmDb.Open(path, Options(5000, create: true));
        for (int f = 0; f < files; f++)
        {
            for (int i = 0; i < 50; i++)
            {
                db.Put(BitConverter.GetBytes((f * 1000) + i), new byte[40]);
            }
            db.Flush();
            // Each flush output was opened by the flush itself while the cache is under a quarter full.
            Assert.Equal(f + 1, db.OpenTableReaderCount);
        }
        return Directory.GetFiles(path, "*.sst").Length;
    }

    [Theory]
    [InlineData(5000, 16)]   // min(16, 5000 / 4)
    [InlineData(40, 10)]     // min(16, 40 / 4)
    [InlineData(-1, 20)]     // unbounded: every live file
    public void OpenLoadsMinOf16AndAQuarterOfTheCache(int maxOpenFiles, int expected)
    {
        using var dir = new TempDir();
        Assert.Equal(20, WriteFiles(dir.Path, 20));
        using LsmDb db = LsmDb.Open(dir.Path, Options(maxOpenFiles, create: false));
        Assert.Equal(expected, db.OpenTableReaderCount);
        for (int f = 0; f < 20; f++)
        {
            Assert.NotNull(db.Get(BitConverter.GetBytes(f * 1000)));
        }
        Assert.Equal(20, db.OpenTableReaderCount); // every file has been read once now, and each bound holds 20
    }

    [Fact]
    public void NonPositiveMaxOpenFilesOtherThanMinusOneIsRejected()
    {
        using var dir = new TempDir();
        Assert.Throws<ArgumentException>(() => LsmDb.Open(dir.Path, Options(0, create: true)));
        Assert.Throws<ArgumentException>(() => LsmDb.Open(dir.Path, Options(-2, create: true)));
    }
}
