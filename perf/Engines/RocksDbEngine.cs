using System.Reflection;
using System.Runtime.InteropServices;
using RocksDbSharp;

namespace ManagedKv.Perf.Engines;

/// <summary>
/// Native RocksDB (the NuGet RocksDB package, RocksDbSharp bindings) behind <see cref="IBenchEngine"/>, opened with
/// the mirrored <see cref="EngineOptions"/>. Point operations call the C API directly with pinned spans
/// (rocksdb_put / rocksdb_delete / rocksdb_get_pinned) so the adapter allocates nothing per operation and the
/// measured cost is RocksDB's plus one P/Invoke. Thread-safe as RocksDB is; Dispose closes the database.
/// </summary>
internal sealed unsafe class RocksDbEngine : IBenchEngine
{
    private readonly RocksDb _db;
    private readonly DbOptions _options;
    private readonly BlockBasedTableOptions _tableOptions;
    private readonly Cache _cache;
    private readonly BloomFilterPolicy? _bloom;
    private readonly ReadOptions _readOptions;
    private readonly WriteOptions _writeOptions;
    private readonly WriteOptions _syncWriteOptions;
    private readonly FlushOptions _flushOptions = new FlushOptions().SetWaitForFlush(true);
    private readonly nint _dbHandle;

    private RocksDbEngine(string path, EngineOptions options)
    {
        _cache = Cache.CreateLru((ulong)options.BlockCacheSize);
        _tableOptions = new BlockBasedTableOptions()
            .SetBlockSize((ulong)options.BlockSize)
            .SetBlockCache(_cache)
            .SetFormatVersion(5);
        if (options.BloomBitsPerKey > 0)
        {
            // Full (not block-based) filters, as ManagedKv's one filter block per table.
            _bloom = BloomFilterPolicy.Create(options.BloomBitsPerKey, use_block_based_builder: false);
            _tableOptions.SetFilterPolicy(_bloom);
        }

        Compression[] perLevel = new Compression[options.NumLevels];
        for (int i = 0; i < perLevel.Length; i++)
        {
            string name = options.CompressionPerLevel.Count == 0 ? "no" : options.CompressionPerLevel[Math.Min(i, options.CompressionPerLevel.Count - 1)];
            perLevel[i] = ParseCompression(name);
        }

        _options = new DbOptions()
            .SetCreateIfMissing(true)
            .SetWriteBufferSize((ulong)options.WriteBufferSize)
            .SetMaxWriteBufferNumber(options.MaxWriteBufferNumber)
            .SetLevel0FileNumCompactionTrigger(options.Level0FileNumCompactionTrigger)
            .SetLevel0SlowdownWritesTrigger(options.Level0SlowdownWritesTrigger)
            .SetLevel0StopWritesTrigger(options.Level0StopWritesTrigger)
            .SetTargetFileSizeBase((ulong)options.TargetFileSizeBase)
            .SetMaxBytesForLevelBase((ulong)options.MaxBytesForLevelBase)
            .SetLevelCompactionDynamicLevelBytes(options.LevelCompactionDynamicLevelBytes)
            .SetNumLevels(options.NumLevels)
            .SetCompressionPerLevel(perLevel, (ulong)perLevel.Length)
            .SetKeepLogFileNum(1)
            .SetBlockBasedTableFactory(_tableOptions);
        if (options.MmapReads is bool mmap)
        {
            _options.SetAllowMmapReads(mmap);
        }
        Native.Instance.rocksdb_options_set_max_background_jobs(_options.Handle, options.MaxBackgroundJobs);

        _db = RocksDb.Open(_options, path);
        _dbHandle = _db.Handle;
        _readOptions = new ReadOptions();
        _writeOptions = new WriteOptions().SetSync(false);
        _syncWriteOptions = new WriteOptions().SetSync(true);
        if (options.DisableWal)
        {
            _writeOptions.DisableWal(1);
            _syncWriteOptions.DisableWal(1);
        }
    }

    /// <summary>The RocksDbSharp package version (it bundles the matching native librocksdb).</summary>
    public static string VersionString { get; } =
        typeof(RocksDb).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(RocksDb).Assembly.GetName().Version?.ToString() ?? "unknown";

    public string Name => EngineCatalog.RocksDb;

    public static IBenchEngine Open(string path, EngineOptions options) => new RocksDbEngine(path, options);

    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, bool sync)
    {
        nint err;
        fixed (byte* k = key)
        fixed (byte* v = value)
        {
            Native.Instance.rocksdb_put(_dbHandle, (sync ? _syncWriteOptions : _writeOptions).Handle,
                k, (nuint)key.Length, v, (nuint)value.Length, out err);
        }
        ThrowIfError(err);
    }

    public void Delete(ReadOnlySpan<byte> key, bool sync)
    {
        nint err;
        fixed (byte* k = key)
        {
            Native.Instance.rocksdb_delete(_dbHandle, (sync ? _syncWriteOptions : _writeOptions).Handle, k, (nuint)key.Length, out err);
        }
        ThrowIfError(err);
    }

    public int Get(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        nint err;
        nint slice;
        fixed (byte* k = key)
        {
            slice = Native.Instance.rocksdb_get_pinned(_dbHandle, _readOptions.Handle, k, (nuint)key.Length, out err);
        }
        ThrowIfError(err);
        if (slice == 0)
        {
            return -1;
        }
        try
        {
            nint data = Native.Instance.rocksdb_pinnableslice_value(slice, out nuint length);
            var value = new ReadOnlySpan<byte>((void*)data, checked((int)length));
            value[..Math.Min(value.Length, destination.Length)].CopyTo(destination);
            return value.Length;
        }
        finally
        {
            Native.Instance.rocksdb_pinnableslice_destroy(slice);
        }
    }

    public IBenchWriteBatch NewWriteBatch() => new RocksDbWriteBatch();

    public void Write(IBenchWriteBatch batch, bool sync) =>
        _db.Write(((RocksDbWriteBatch)batch).Batch, sync ? _syncWriteOptions : _writeOptions);

    public IBenchIterator NewIterator() => new RocksDbIterator(_db.NewIterator(null, _readOptions));

    public void Flush()
    {
        _db.Flush(_flushOptions);
    }

    public void CompactAll() => _db.CompactRange((byte[]?)null!, null!);

    public long ApproximateMemoryBytes()
    {
        long memtables = PropertyLong("rocksdb.cur-size-all-mem-tables");
        long readers = PropertyLong("rocksdb.estimate-table-readers-mem");
        long cache = (long)_cache.GetUsage();
        return Math.Max(0, memtables) + Math.Max(0, readers) + cache;
    }

    public bool BackgroundWorkPending() =>
        _db.GetProperty("rocksdb.num-running-flushes") != "0"
        || _db.GetProperty("rocksdb.num-running-compactions") != "0"
        || _db.GetProperty("rocksdb.compaction-pending") != "0";

    public IReadOnlyDictionary<string, string> GetStats()
    {
        var stats = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["block-cache-usage"] = _cache.GetUsage().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        string[] properties =
        [
            "rocksdb.cur-size-all-mem-tables", "rocksdb.estimate-table-readers-mem", "rocksdb.total-sst-files-size",
            "rocksdb.live-sst-files-size", "rocksdb.estimate-live-data-size", "rocksdb.estimate-num-keys",
            "rocksdb.num-running-compactions", "rocksdb.estimate-pending-compaction-bytes",
            "rocksdb.aggregated-table-properties",
        ];
        foreach (string name in properties)
        {
            string? value = _db.GetProperty(name);
            if (value is not null)
            {
                stats[name] = value;
            }
        }
        var files = new System.Text.StringBuilder();
        for (int level = 0; level < 7; level++)
        {
            files.Append(level == 0 ? "" : ",").Append(_db.GetProperty("rocksdb.num-files-at-level" + level) ?? "?");
        }
        stats["files-per-level"] = files.ToString();
        return stats;
    }

    public void Dispose()
    {
        _db.Dispose();
        GC.KeepAlive(_options);
        GC.KeepAlive(_tableOptions);
        GC.KeepAlive(_cache);
        GC.KeepAlive(_bloom);
        GC.KeepAlive(_readOptions);
        GC.KeepAlive(_writeOptions);
        GC.KeepAlive(_syncWriteOptions);
        GC.KeepAlive(_flushOptions);
    }

    private long PropertyLong(string name) =>
        long.TryParse(_db.GetProperty(name), System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long v) ? v : -1;

    private static Compression ParseCompression(string name) => name.ToLowerInvariant() switch
    {
        "no" or "none" => Compression.No,
        "lz4" => Compression.Lz4,
        "zstd" => Compression.Zstd,
        "snappy" => Compression.Snappy,
        _ => throw new ArgumentException($"unknown compression '{name}' (use no, lz4, zstd)"),
    };

    private static void ThrowIfError(nint err)
    {
        if (err != 0)
        {
            Throw(err);
        }
    }

    private static void Throw(nint err)
    {
        string message = Marshal.PtrToStringUTF8(err) ?? "unknown RocksDB error";
        Native.Instance.rocksdb_free(err);
        throw new IOException("RocksDB: " + message);
    }
}
