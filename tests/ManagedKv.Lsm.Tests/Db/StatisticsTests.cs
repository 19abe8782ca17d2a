namespace ManagedKv.Lsm.Tests.Db;

public sealed class StatisticsTests
{
    [Fact]
    public void WalAndWriteCountersTrackWrites()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        var batch = new WriteBatch();
        batch.Put("a"u8, "1"u8);
        batch.Delete("b"u8);
        batch.DeleteRange("c"u8, "d"u8);
        db.Write(batch, new WriteOptions { Sync = true });
        db.Put("e"u8, "2"u8);
        db.Get("a"u8);
        Assert.Equal(4, db.Statistics.Get(Ticker.NumberKeysWritten));
        Assert.Equal(2, db.Statistics.Get(Ticker.WriteWithWal));
        Assert.Equal(1, db.Statistics.Get(Ticker.WalFileSynced));
        Assert.True(db.Statistics.Get(Ticker.WalFileBytes) >= db.Statistics.Get(Ticker.BytesWritten));
        Assert.Equal(1, db.Statistics.Get(Ticker.NumberKeysRead));
        Assert.Equal("1", db.GetProperty("rocksdb.wal.synced"));
    }

    [Fact]
    public void FirstSyncedWriteAfterAMemtableSwitchSyncsTheWalDirectoryOnce()
    {
        using var dir = new TempDir();
        using LsmDb db = LsmDb.Open(dir.Path, TestOptions.Small());
        db.Put("a"u8, "1"u8, new WriteOptions { Sync = true });
        Assert.Equal(0, db.Statistics.Get(Ticker.WalDirectorySynced)); // the WAL made at open: synced with the MANIFEST
        db.Flush(); // switches to a new WAL without syncing the directory
        db.Put("b"u8, "2"u8);
        Assert.Equal(0, db.Statistics.Get(Ticker.WalDirectorySynced));
        db.Put("c"u8, "3"u8, new WriteOptions { Sync = true });
        db.Put("d"u8, "4"u8, new WriteOptions { Sync = true });
        Assert.Equal(1, db.Statistics.Get(Ticker.WalDirectorySynced));
        db.Flush();
        db.Put("e"u8, "5"u8, new WriteOptions { Sync = true });
        Assert.Equal(2, db.Statistics.Get(Ticker.WalDirectorySynced));
        Assert.Equal("2", db.GetProperty("managedkv.wal.directory.synced"));
    }

    [Fact]
    public void BottommostCompressionAppliesToTheLastLevel()
    {
        using var dir = new TempDir();
        DbOptions o = TestOptions.Small();
        o.DefaultColumnFamilyOptions.CompressionPerLevel = [CompressionType.None];
        o.DefaultColumnFamilyOptions.BottommostCompression = CompressionType.Zstd;
        using LsmDb db = LsmDb.Open(dir.Path, o);
        db.SetCompactionsPausedForTest(true); // keep the flushed files in L0 until the manual compaction
        for (int i = 0; i < 2000; i++)
        {
            db.Put(BitConverter.GetBytes(i), new byte[100]);
        }
        db.Flush();
        IReadOnlyDictionary<string, TableProperties> l0 = db.GetPropertiesOfAllTables(db.DefaultColumnFamily);
        Assert.All(l0.Values, p => Assert.NotEqual("ZSTD", p.CompressionName.ToUpperInvariant()));
        db.CompactRange(); // everything moves to the last level (dynamic level bytes, small tree)
        Assert.Equal("6", db.GetProperty("rocksdb.base-level"));
        IReadOnlyDictionary<string, TableProperties> bottom = db.GetPropertiesOfAllTables(db.DefaultColumnFamily);
        Assert.NotEmpty(bottom);
        Assert.All(bottom.Values, p => Assert.Contains("zstd", p.CompressionName, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void CompressionPerLevelCountsFromTheBaseLevelWithDynamicLevelBytes()
    {
        var o = new ColumnFamilyOptions { CompressionPerLevel = [CompressionType.None, CompressionType.Lz4, CompressionType.Zstd] };
        Assert.Equal(CompressionType.None, o.CompressionForLevel(0, 6));
        Assert.Equal(CompressionType.Lz4, o.CompressionForLevel(6, 6)); // a small DB: the base level is the last level
        Assert.Equal(CompressionType.Lz4, o.CompressionForLevel(5, 5));
        Assert.Equal(CompressionType.Zstd, o.CompressionForLevel(6, 5));
        Assert.Equal(CompressionType.Zstd, o.CompressionForLevel(6, 1)); // past the end: the last entry
        o.LevelCompactionDynamicLevelBytes = false;
        Assert.Equal(CompressionType.Lz4, o.CompressionForLevel(1, 6)); // entry i is level i
        Assert.Equal(CompressionType.Zstd, o.CompressionForLevel(6, 6));

        using var dir = new TempDir();
        DbOptions dbo = TestOptions.Small();
        dbo.DefaultColumnFamilyOptions.CompressionPerLevel = [CompressionType.None, CompressionType.Lz4, CompressionType.Zstd];
        using LsmDb db = LsmDb.Open(dir.Path, dbo);
        for (int i = 0; i < 2000; i++)
        {
            db.Put(BitConverter.GetBytes(i), new byte[100]);
        }
        db.CompactRange();
        Assert.Equal("6", db.GetProperty("rocksdb.base-level"));
        IReadOnlyDictionary<string, TableProperties> bottom = db.GetPropertiesOfAllTables(db.DefaultColumnFamily);
        Assert.NotEmpty(bottom);
        Assert.All(bottom.Values, p => Assert.Contains("lz4", p.CompressionName, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void BlockCacheHitsAndMissesAreCountedPerBlockType()
    {
        using var dir = new TempDir();
        DbOptions o = TestOptions.Small();
        o.AllowMmapReads = false; // every block read goes through the cache
        using LsmDb db = LsmDb.Open(dir.Path, o);
        for (int i = 0; i < 500; i++)
        {
            db.Put(BitConverter.GetBytes(i), new byte[50]);
        }
        db.Flush();
        long missBefore = db.Statistics.Get(Ticker.BlockCacheDataMiss);
        long hitBefore = db.Statistics.Get(Ticker.BlockCacheDataHit);
        Assert.NotNull(db.Get(BitConverter.GetBytes(7)));
        Assert.Equal(missBefore + 1, db.Statistics.Get(Ticker.BlockCacheDataMiss));
        Assert.NotNull(db.Get(BitConverter.GetBytes(7)));
        Assert.Equal(hitBefore + 1, db.Statistics.Get(Ticker.BlockCacheDataHit));
        Assert.Equal("1", db.GetProperty("rocksdb.block.cache.data.hit") is { } h ? (long.Parse(h) - hitBefore).ToString() : null);
        // Index and filter blocks are pinned by default: they never go through the cache.
        Assert.Equal(0, db.Statistics.Get(Ticker.BlockCacheIndexMiss));
        Assert.Equal(0, db.Statistics.Get(Ticker.BlockCacheFilterMiss));
    }
}
