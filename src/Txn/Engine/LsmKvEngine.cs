using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>
/// <see cref="IKvEngine"/> over a local <see cref="LsmDb"/> with the column families <c>default</c>, <c>lock</c>,
/// <c>write</c> and <c>raw</c>. A batch becomes one LSM <see cref="WriteBatch"/> (atomic across CFs); a snapshot is an
/// LSM snapshot shared by every CF. Thread-safe.
/// </summary>
/// <remarks>
/// Column family options follow TiKV's kv engine (<see cref="Open"/>): the <c>write</c> CF gets the MVCC prefix
/// extractor (<see cref="MvccKeyPrefixExtractor"/>), prefix-only SST filters (whole-key filtering off) and a memtable
/// prefix bloom (10% of the write buffer), so the MVCC reader's per-key seeks skip files without the key, and the
/// MVCC table-properties collector (<see cref="WriteCfMvccDecoder"/>), so GC skips files with nothing to collect; with
/// a <see cref="GcSafePointProvider"/> it also gets the GC compaction filter. The <c>default</c> CF keeps whole-key
/// filters and no extractor, as in TiKV: it is only read by exact point lookups (<c>key ‖ ~start_ts</c>), for which
/// prefixes in its filters would cost space and never be consulted.
/// </remarks>
public sealed class LsmKvEngine : IKvEngine, IMvccPropertiesSource, IDisposable
{
    /// <summary>Folder (inside the DB folder) of the GC compaction filter's pending-delete files (FORMAT.md §8).</summary>
    public const string GcPendingDirectoryName = "txn-gc";

    private readonly LsmDb _db;
    private readonly bool _ownsDb;
    private readonly ColumnFamily[] _cfs = new ColumnFamily[EngineCfNames.Count];
    private readonly WriteOptions _writeOptions;
    private readonly WriteOptions _syncWriteOptions = new() { Sync = true };
    private GcCompactionFilterFactory? _gcFilter;

    [ThreadStatic]
    private static WriteBatch? t_batch;

    /// <summary>Wraps an open DB, creating missing column families. The DB stays owned by the caller.</summary>
    public LsmKvEngine(LsmDb db, bool syncWrites = false)
        : this(db, ownsDb: false, syncWrites)
    {
    }

    private LsmKvEngine(LsmDb db, bool ownsDb, bool syncWrites)
    {
        _db = db;
        _ownsDb = ownsDb;
        _writeOptions = new WriteOptions { Sync = syncWrites };
        for (int i = 0; i < EngineCfNames.Count; i++)
        {
            string name = EngineCfNames.Of((EngineCf)i);
            _cfs[i] = db.GetColumnFamily(name) ?? db.CreateColumnFamily(name, NewColumnFamilyOptions((EngineCf)i, null));
        }
    }

    /// <summary>
    /// Opens (creating if missing) an LSM DB at <paramref name="path"/> with the four CFs configured as TiKV does (see
    /// the remarks); disposing the engine closes it. With <paramref name="gcSafePoint"/>, compactions of the write CF
    /// collect MVCC garbage below its safe point (<see cref="GcCompactionFilterFactory"/>); pending default CF deletes
    /// left by a crash are applied before this returns.
    /// </summary>
    /// <param name="path">DB folder.</param>
    /// <param name="options">DB options; CF options given for <c>lock</c>, <c>write</c>, <c>raw</c> are kept, with the
    /// write CF's prefix extractor, filter and compaction filter settings added when unset.</param>
    /// <param name="syncWrites">Sync the WAL on every <see cref="Write"/>.</param>
    /// <param name="gcSafePoint">Turns on GC in compaction; null leaves it to explicit <see cref="GcRunner"/> runs.</param>
    public static LsmKvEngine Open(string path, DbOptions? options = null, bool syncWrites = false, GcSafePointProvider? gcSafePoint = null)
    {
        options ??= new DbOptions();
        options.CreateIfMissing = true;
        options.CreateMissingColumnFamilies = true;
        GcCompactionFilterFactory? gcFilter = gcSafePoint is null ? null : new GcCompactionFilterFactory(gcSafePoint);
        for (int i = 1; i < EngineCfNames.Count; i++)
        {
            string name = EngineCfNames.Of((EngineCf)i);
            options.ColumnFamilies.TryGetValue(name, out ColumnFamilyOptions? given);
            options.ColumnFamilies[name] = NewColumnFamilyOptions((EngineCf)i, given, gcFilter);
        }
        var engine = new LsmKvEngine(LsmDb.Open(path, options), ownsDb: true, syncWrites);
        if (gcFilter is not null)
        {
            try
            {
                gcFilter.Attach(engine, System.IO.Path.Combine(path, GcPendingDirectoryName));
            }
            catch
            {
                engine.Dispose();
                throw;
            }
            engine._gcFilter = gcFilter;
        }
        return engine;
    }

    /// <summary>
    /// The options <see cref="Open"/> gives column family <paramref name="cf"/>: <paramref name="given"/> (or defaults)
    /// with TiKV's settings added where unset. Exposed so a caller opening the DB itself configures it the same way.
    /// </summary>
    public static ColumnFamilyOptions NewColumnFamilyOptions(EngineCf cf, ColumnFamilyOptions? given, ICompactionFilterFactory? writeCfFilter = null)
    {
        ColumnFamilyOptions o = given ?? new ColumnFamilyOptions();
        if (cf != EngineCf.Write)
        {
            return o;
        }
        if (o.PrefixExtractor is null)
        {
            o.PrefixExtractor = MvccKeyPrefixExtractor.Instance;
            o.WholeKeyFiltering = false; // TiKV's write CF: point lookups check the user-key prefix instead
        }
        bool hasMvccCollector = false;
        foreach (ITablePropertiesCollectorFactory f in o.TablePropertiesCollectorFactories)
        {
            hasMvccCollector |= f is MvccPropertiesCollectorFactory;
        }
        if (!hasMvccCollector)
        {
            o.TablePropertiesCollectorFactories.Add(new MvccPropertiesCollectorFactory(WriteCfMvccDecoder.Instance));
        }
        if (o.MemtablePrefixBloomSizeRatio == 0)
        {
            o.MemtablePrefixBloomSizeRatio = 0.1; // TiKV's bloom_filter_ratio
        }
        if (writeCfFilter is not null)
        {
            if (o.CompactionFilterFactory is not null && !ReferenceEquals(o.CompactionFilterFactory, writeCfFilter))
            {
                throw new ArgumentException("The write column family already has a compaction filter factory; GC in compaction needs its own.", nameof(given));
            }
            o.CompactionFilterFactory = writeCfFilter;
        }
        return o;
    }

    /// <summary>The underlying DB (flush, compaction, properties).</summary>
    public LsmDb Db => _db;

    /// <summary>The GC compaction filter, when the engine was opened with a safe point provider.</summary>
    public GcCompactionFilterFactory? GcCompactionFilter => _gcFilter;

    /// <summary>
    /// Use prefix-same-as-start cursors for per-key version seeks (<see cref="IKvSnapshot.NewPrefixCursor"/>).
    /// Default true; off only to measure what the prefix bloom saves.
    /// </summary>
    public bool PrefixSeek { get; set; } = true;

    /// <summary>The LSM column family behind <paramref name="cf"/>.</summary>
    public ColumnFamily ColumnFamily(EngineCf cf) => _cfs[(int)cf];

    public IKvSnapshot GetSnapshot() => new LsmKvSnapshot(_db, _cfs, _db.GetSnapshot(), PrefixSeek);

    public void Write(KvWriteBatch batch) => Write(batch, sync: false);

    /// <summary>Applies <paramref name="batch"/> atomically; with <paramref name="sync"/> the WAL is synced even when the engine's writes are not.</summary>
    public void Write(KvWriteBatch batch, bool sync)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }
        WriteBatch wb = t_batch ??= new WriteBatch(4096);
        wb.Clear();
        foreach (KvModify m in batch)
        {
            switch (m.Op)
            {
                case KvModifyOp.Put:
                    wb.Put(_cfs[(int)m.Cf], m.Key, m.Value);
                    break;
                case KvModifyOp.Delete:
                    wb.Delete(_cfs[(int)m.Cf], m.Key);
                    break;
                default:
                    wb.DeleteRange(_cfs[(int)m.Cf], m.Key, m.Value);
                    break;
            }
        }
        _db.Write(wb, sync ? _syncWriteOptions : _writeOptions);
    }

    public MvccProperties? GetWriteCfMvccProperties(byte[]? startKey, byte[]? endKey)
    {
        byte[]? lower = startKey is { Length: > 0 } ? MvccKey.Encode(startKey) : null;
        byte[]? upper = endKey is { Length: > 0 } ? MvccKey.Encode(endKey) : null;
        IReadOnlyDictionary<string, TableProperties> files = _db.GetPropertiesOfTablesInRange(_cfs[(int)EngineCf.Write], [new KeyRange(lower, upper)]);
        if (files.Count == 0)
        {
            return null;
        }
        var merged = new MvccProperties();
        foreach (TableProperties p in files.Values)
        {
            if (!MvccProperties.TryGet(p, out MvccProperties? one))
            {
                return null;
            }
            merged.Add(one!);
        }
        return merged;
    }

    public void Dispose()
    {
        _gcFilter?.Dispose(); // before the DB closes: its thread writes to it
        if (_ownsDb)
        {
            _db.Dispose();
        }
    }
}
