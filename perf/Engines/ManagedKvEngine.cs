using ManagedKv.Lsm;

namespace ManagedKv.Perf.Engines;

/// <summary>
/// ManagedKv's LSM engine (src/Lsm, <see cref="LsmDb"/>) behind <see cref="IBenchEngine"/>, opened with the same
/// mirrored <see cref="EngineOptions"/> as RocksDB: the default column family carries the write buffer, level,
/// table, filter and compression options; the DB carries the block cache and background jobs.
/// Compiled only with -p:ManagedKvEngine=true (see ManagedKv.Perf.csproj). Thread-safe as LsmDb is.
/// </summary>
internal sealed class ManagedKvEngine : IBenchEngine
{
    private readonly LsmDb _db;
    private readonly WriteOptions _writeOptions;
    private readonly WriteOptions _syncWriteOptions;

    private ManagedKvEngine(string path, EngineOptions options)
    {
        var compression = new CompressionType[options.NumLevels];
        for (int i = 0; i < compression.Length; i++)
        {
            string name = options.CompressionPerLevel.Count == 0 ? "no" : options.CompressionPerLevel[Math.Min(i, options.CompressionPerLevel.Count - 1)];
            compression[i] = name switch
            {
                "lz4" => CompressionType.Lz4,
                "zstd" => CompressionType.Zstd,
                _ => CompressionType.None,
            };
        }
        var columnFamily = new ColumnFamilyOptions
        {
            WriteBufferSize = options.WriteBufferSize,
            MaxWriteBufferNumber = options.MaxWriteBufferNumber,
            Level0FileNumCompactionTrigger = options.Level0FileNumCompactionTrigger,
            Level0SlowdownWritesTrigger = options.Level0SlowdownWritesTrigger,
            Level0StopWritesTrigger = options.Level0StopWritesTrigger,
            TargetFileSizeBase = options.TargetFileSizeBase,
            MaxBytesForLevelBase = options.MaxBytesForLevelBase,
            LevelCompactionDynamicLevelBytes = options.LevelCompactionDynamicLevelBytes,
            BlockSize = options.BlockSize,
            BloomBitsPerKey = options.BloomBitsPerKey,
            CompressionPerLevel = compression,
        };
        var dbOptions = new DbOptions
        {
            CreateIfMissing = true,
            MaxBackgroundJobs = options.MaxBackgroundJobs,
            BlockCache = new BlockCache(options.BlockCacheSize),
            DefaultColumnFamilyOptions = columnFamily,
        };
        _db = LsmDb.Open(path, dbOptions);
        _writeOptions = new WriteOptions { Sync = false, DisableWal = options.DisableWal };
        _syncWriteOptions = new WriteOptions { Sync = true, DisableWal = options.DisableWal };
    }

    public static string VersionString { get; } = typeof(LsmDb).Assembly.GetName().Version?.ToString() ?? "dev";

    public string Name => EngineCatalog.ManagedKv;

    public static IBenchEngine Open(string path, EngineOptions options) => new ManagedKvEngine(path, options);

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool sync) =>
        _db.Put(key, value, sync ? _syncWriteOptions : _writeOptions);

    public void Delete(ReadOnlySpan<byte> key, bool sync) => _db.Delete(key, sync ? _syncWriteOptions : _writeOptions);

    public int Get(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        byte[]? value = _db.Get(key);
        if (value is null)
        {
            return -1;
        }
        value.AsSpan(0, Math.Min(value.Length, destination.Length)).CopyTo(destination);
        return value.Length;
    }

    public IBenchWriteBatch NewWriteBatch() => new ManagedKvWriteBatch(_db.DefaultColumnFamily);

    public void Write(IBenchWriteBatch batch, bool sync) =>
        _db.Write(((ManagedKvWriteBatch)batch).Batch, sync ? _syncWriteOptions : _writeOptions);

    public IBenchIterator NewIterator() => new ManagedKvIterator(_db.NewIterator(_db.DefaultColumnFamily));

    public void Flush() => _db.Flush(_db.DefaultColumnFamily, wait: true);

    public void CompactAll() => _db.CompactRange(_db.DefaultColumnFamily, null, null);

    public long ApproximateMemoryBytes() => _db.GetMemoryUsage().Total;

    public IReadOnlyDictionary<string, string> GetStats()
    {
        var stats = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] properties =
        [
            "rocksdb.cur-size-all-mem-tables", "rocksdb.estimate-table-readers-mem", "rocksdb.total-sst-files-size",
            "rocksdb.estimate-num-keys", "rocksdb.levelstats",
        ];
        foreach (string name in properties)
        {
            string? value = _db.GetProperty(_db.DefaultColumnFamily, name);
            if (value is not null)
            {
                stats[name] = value;
            }
        }
        return stats;
    }

    public void Dispose() => _db.Dispose();
}
