using System.Buffers;
using ManagedKv.Lsm;

namespace ManagedKv.Perf.Engines;

/// <summary>
/// ManagedKv's LSM engine (src/Lsm, <see cref="LsmDb"/>) behind <see cref="IBenchEngine"/>, opened with the same
/// mirrored <see cref="EngineOptions"/> as RocksDB: the default column family carries the write buffer, level,
/// table, filter and compression options; the DB carries the block cache and background jobs.
/// Gets go through LsmDb.TryGet into a per-thread buffer writer, so a lookup allocates nothing in the adapter.
/// Thread-safe as LsmDb is.
/// </summary>
internal sealed class ManagedKvEngine : IBenchEngine
{
    private readonly LsmDb _db;
    private readonly WriteOptions _writeOptions;
    private readonly WriteOptions _syncWriteOptions;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_value;

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
            BlockCache = new BlockCache(options.BlockCacheSize) { MappedLimit = options.MappedLimit ?? options.BlockCacheSize },
            DefaultColumnFamilyOptions = columnFamily,
            AllowMmapReads = options.MmapReads ?? true,
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
        ArrayBufferWriter<byte> buffer = t_value ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        if (!_db.TryGet(key, buffer))
        {
            return -1;
        }
        ReadOnlySpan<byte> value = buffer.WrittenSpan;
        value[..Math.Min(value.Length, destination.Length)].CopyTo(destination);
        return value.Length;
    }

    public IBenchWriteBatch NewWriteBatch() => new ManagedKvWriteBatch(_db.DefaultColumnFamily);

    public void Write(IBenchWriteBatch batch, bool sync) =>
        _db.Write(((ManagedKvWriteBatch)batch).Batch, sync ? _syncWriteOptions : _writeOptions);

    public IBenchIterator NewIterator() => new ManagedKvIterator(_db.NewIterator());

    public void Flush() => _db.Flush(wait: true);

    public void CompactAll() => _db.CompactRange();

    public long ApproximateMemoryBytes() => _db.GetMemoryUsage().Total;

    public bool BackgroundWorkPending() =>
        _db.GetProperty("rocksdb.num-running-flushes") != "0"
        || _db.GetProperty("rocksdb.num-running-compactions") != "0"
        || _db.GetProperty("rocksdb.compaction-pending") != "0";

    public IReadOnlyDictionary<string, string> GetStats()
    {
        var stats = new Dictionary<string, string>(StringComparer.Ordinal);
        string[] properties =
        [
            "rocksdb.cur-size-all-mem-tables", "rocksdb.block-cache-usage", "rocksdb.total-sst-files-size",
            "rocksdb.estimate-num-keys", "rocksdb.num-running-compactions", "rocksdb.estimate-pending-compaction-bytes",
        ];
        foreach (string name in properties)
        {
            string? value = _db.GetProperty(name);
            if (value is not null)
            {
                stats[name] = value;
            }
        }
        var levels = new System.Text.StringBuilder();
        for (int level = 0; level < 7; level++)
        {
            levels.Append(level == 0 ? "" : ",").Append(_db.GetProperty("rocksdb.num-files-at-level" + level) ?? "?");
        }
        stats["files-per-level"] = levels.ToString();
        long data = 0, index = 0, filter = 0, blocks = 0, entries = 0, files = 0;
        foreach (TableProperties p in _db.GetPropertiesOfAllTables().Values)
        {
            data += (long)p.DataSize;
            index += (long)p.IndexSize;
            filter += (long)p.FilterSize;
            blocks += (long)p.NumDataBlocks;
            entries += (long)p.NumEntries;
            files++;
        }
        stats["tables"] = FormattableString.Invariant($"files={files}; data blocks={blocks}; entries={entries}; data size={data}; index size={index}; filter size={filter}");
        LsmMemoryUsage memory = _db.GetMemoryUsage();
        stats["table-readers-mem"] = memory.TableReaders.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return stats;
    }

    public void Dispose() => _db.Dispose();
}
