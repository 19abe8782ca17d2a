using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>
/// <see cref="IKvEngine"/> over a local <see cref="LsmDb"/> with the column families <c>default</c>, <c>lock</c>,
/// <c>write</c> and <c>raw</c>. A batch becomes one LSM <see cref="WriteBatch"/> (atomic across CFs); a snapshot is an
/// LSM snapshot shared by every CF. Thread-safe.
/// </summary>
public sealed class LsmKvEngine : IKvEngine, IDisposable
{
    private readonly LsmDb _db;
    private readonly bool _ownsDb;
    private readonly ColumnFamily[] _cfs = new ColumnFamily[EngineCfNames.Count];
    private readonly WriteOptions _writeOptions;

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
            _cfs[i] = db.GetColumnFamily(name) ?? db.CreateColumnFamily(name);
        }
    }

    /// <summary>Opens (creating if missing) an LSM DB at <paramref name="path"/> with the four CFs; disposing the
    /// engine closes it.</summary>
    public static LsmKvEngine Open(string path, DbOptions? options = null, bool syncWrites = false)
    {
        options ??= new DbOptions();
        options.CreateIfMissing = true;
        options.CreateMissingColumnFamilies = true;
        for (int i = 1; i < EngineCfNames.Count; i++)
        {
            string name = EngineCfNames.Of((EngineCf)i);
            if (!options.ColumnFamilies.ContainsKey(name))
            {
                options.ColumnFamilies[name] = new ColumnFamilyOptions();
            }
        }
        return new LsmKvEngine(LsmDb.Open(path, options), ownsDb: true, syncWrites);
    }

    /// <summary>The underlying DB (flush, compaction, properties).</summary>
    public LsmDb Db => _db;

    /// <summary>The LSM column family behind <paramref name="cf"/>.</summary>
    public ColumnFamily ColumnFamily(EngineCf cf) => _cfs[(int)cf];

    public IKvSnapshot GetSnapshot() => new LsmKvSnapshot(_db, _cfs, _db.GetSnapshot());

    public void Write(KvWriteBatch batch)
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
            if (m.Op == KvModifyOp.Put)
            {
                wb.Put(_cfs[(int)m.Cf], m.Key, m.Value);
            }
            else
            {
                wb.Delete(_cfs[(int)m.Cf], m.Key);
            }
        }
        _db.Write(wb, _writeOptions);
    }

    public void Dispose()
    {
        if (_ownsDb)
        {
            _db.Dispose();
        }
    }
}
