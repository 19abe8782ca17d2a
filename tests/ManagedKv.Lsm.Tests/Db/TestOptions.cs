namespace ManagedKv.Lsm.Tests.Db;

internal static class TestOptions
{
    /// <summary>Tiny buffers and levels so flushes and compactions run all the time.</summary>
    public static DbOptions Small(bool create = true)
    {
        var o = new DbOptions
        {
            CreateIfMissing = create,
            CreateMissingColumnFamilies = true,
            BlockCache = new BlockCache(1 << 20),
        };
        Tune(o.DefaultColumnFamilyOptions);
        return o;
    }

    public static ColumnFamilyOptions Tune(ColumnFamilyOptions c)
    {
        c.WriteBufferSize = 64 << 10;
        c.MaxWriteBufferNumber = 3;
        c.Level0FileNumCompactionTrigger = 2;
        c.Level0SlowdownWritesTrigger = 8;
        c.Level0StopWritesTrigger = 12;
        c.TargetFileSizeBase = 32 << 10;
        c.MaxBytesForLevelBase = 128 << 10;
        c.BlockSize = 1024;
        c.CompressionPerLevel = [CompressionType.None, CompressionType.Lz4, CompressionType.Zstd];
        return c;
    }
}
