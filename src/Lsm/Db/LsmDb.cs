using System.Diagnostics;
using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Memtable;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Util;
using ManagedKv.Lsm.Version;
using ManagedKv.Lsm.Wal;

namespace ManagedKv.Lsm;

/// <summary>
/// A log-structured merge-tree key-value store (RocksDB's role in ManagedKv): column families sharing one WAL and one
/// sequence of writes, memtables flushed into levelled SST files and compacted in the background.
/// Thread-safe: any number of threads may read and write concurrently; writes are grouped so one thread writes (and
/// syncs) the WAL for many. Reads take no lock. Dispose waits for background work to stop.
/// </summary>
/// <remarks>
/// Lock order: <c>_mutex</c> (a Monitor; guards column-family state, the writer queue, snapshots, WAL switching and
/// background scheduling) is the only lock of the DB itself; the table cache and block cache lock internally
/// and are never called with a lock of theirs held when taking <c>_mutex</c>.
/// </remarks>
public sealed partial class LsmDb : IDisposable
{
    private readonly object _mutex = new();
    // Serializes PurgeObsoleteFiles (taken before _mutex, never while holding it).
    private readonly Lock _purgeLock = new();
    private readonly string _path;
    private readonly DbOptions _options;
    private readonly BlockCache _blockCache;
    private readonly TableCache _tableCache;
    private readonly VersionSet _versions;
    private readonly FileStream _lockFile;
    private readonly IEventListener[] _listeners;

    // Column families. _cfById is copy-on-write (read without a lock by the write leader); both change under _mutex.
    private ColumnFamily?[] _cfById = new ColumnFamily?[1];
    private readonly Dictionary<string, ColumnFamily> _cfByName = new(StringComparer.Ordinal);
    private ColumnFamily _defaultCf = null!;

    // Sticky background error: once set, writes fail until the DB is reopened (leveldb's bg_error_). Guarded by _mutex.
    private Exception? _backgroundError;
    private volatile bool _shuttingDown;
    private bool _disposed;

    private LsmDb(string path, DbOptions options)
    {
        _path = path;
        _options = options;
        _blockCache = options.BlockCache ?? new BlockCache(128L << 20);
        _listeners = options.Listeners.ToArray();
        _statistics = options.Statistics ?? new LsmStatistics();
        _rateLimiter = options.RateLimiter;
        Directory.CreateDirectory(path);
        _lockFile = AcquireLock(path);
        try
        {
            var readerOptions = new TableReaderOptions
            {
                BlockCache = _blockCache,
                VerifyChecksums = options.ParanoidChecks,
                UseMemoryMap = options.AllowMmapReads,
                Statistics = _statistics,
            };
            _tableCache = new TableCache(number => FileNames.TableFileName(path, number), TableCacheCapacity(options), readerOptions);
            _versions = new VersionSet(path, _mutex, _tableCache);
        }
        catch
        {
            _lockFile.Dispose();
            throw;
        }
    }

    /// <summary>The folder of the DB.</summary>
    public string Path => _path;

    /// <summary>The column family every DB has.</summary>
    public ColumnFamily DefaultColumnFamily => _defaultCf;

    /// <summary>The live column families.</summary>
    public IReadOnlyList<ColumnFamily> ColumnFamilies
    {
        get
        {
            lock (_mutex)
            {
                return LiveColumnFamilies();
            }
        }
    }

    /// <summary>The sequence number of the last acknowledged write.</summary>
    public ulong LatestSequenceNumber => Volatile.Read(ref _lastSequence);

    /// <summary>
    /// Opens (or, with <see cref="DbOptions.CreateIfMissing"/>, creates) the DB in <paramref name="path"/>: replays the
    /// MANIFEST and the WAL, flushes what the WAL held, and starts the background threads.
    /// </summary>
    /// <exception cref="CorruptionException">A checksum or structure check failed; names file and offset.</exception>
    public static LsmDb Open(string path, DbOptions options)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(options);
        options.DefaultColumnFamilyOptions.Validate(ColumnFamilyNames.Default);
        foreach ((string name, ColumnFamilyOptions cfo) in options.ColumnFamilies)
        {
            cfo.Validate(name);
        }
        if (options.MaxBackgroundJobs < 2 || options.MaxBackgroundJobs > 64)
        {
            throw new ArgumentException($"MaxBackgroundJobs {options.MaxBackgroundJobs} is outside [2, 64].");
        }
        if (options.MaxOpenFiles < 1 && options.MaxOpenFiles != -1)
        {
            throw new ArgumentException($"MaxOpenFiles {options.MaxOpenFiles} must be -1 (unbounded) or positive (values below 16 use 16).");
        }
        bool exists = File.Exists(System.IO.Path.Combine(path, FileNames.Current));
        if (!exists && !options.CreateIfMissing)
        {
            throw new DirectoryNotFoundException($"No DB in '{path}' (CURRENT is missing) and CreateIfMissing is false.");
        }
        if (exists && options.ErrorIfExists)
        {
            throw new IOException($"A DB already exists in '{path}' and ErrorIfExists is true.");
        }
        var db = new LsmDb(path, options);
        try
        {
            db.Recover(exists);
            db.LoadTableReadersAtOpen();
            db.StartBackgroundThreads();
            return db;
        }
        catch
        {
            db.DisposeCore();
            throw;
        }
    }

    private static FileStream AcquireLock(string path)
    {
        string lockPath = System.IO.Path.Combine(path, FileNames.Lock);
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e)
        {
            throw new IOException($"The DB in '{path}' is already open (cannot lock '{lockPath}').", e);
        }
    }

    /// <summary>Returns the column family named <paramref name="name"/>, or null.</summary>
    public ColumnFamily? GetColumnFamily(string name)
    {
        lock (_mutex)
        {
            return _cfByName.TryGetValue(name, out ColumnFamily? cf) ? cf : null;
        }
    }

    /// <summary>Creates a column family; durable when this returns.</summary>
    public ColumnFamily CreateColumnFamily(string name, ColumnFamilyOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ColumnFamilyOptions cfo = (options ?? (_options.ColumnFamilies.TryGetValue(name, out ColumnFamilyOptions? o) ? o : _options.DefaultColumnFamilyOptions)).Clone();
        cfo.Validate(name);
        ThrowIfDisposed();
        lock (_mutex)
        {
            ThrowIfBackgroundError();
            if (_cfByName.ContainsKey(name))
            {
                throw new ArgumentException($"Column family '{name}' already exists.", nameof(name));
            }
            uint id = _versions.NewColumnFamilyId();
            var cf = new ColumnFamily(this, id, name, cfo) { LogNumber = _walNumber };
            var edit = new VersionEdit { ColumnFamilyAdd = name, MaxColumnFamily = id, LogNumber = _walNumber, OptionNames = ColumnFamilyOptionNames.Of(cfo) };
            _versions.LogAndApply(cf, edit, Volatile.Read(ref _lastSequence));
            cf.Mem = NewMemTable(cf);
            _versions.InstallVersion(cf, _versions.NewVersion(cf, VersionSet.CreateLevels(cfo.NumLevels)));
            cf.InstallSuperVersion();
            AddColumnFamilyLocked(cf);
            return cf;
        }
    }

    /// <summary>
    /// Drops a column family: it disappears from the DB durably; its files are deleted once no reader uses them.
    /// The default column family cannot be dropped.
    /// </summary>
    public void DropColumnFamily(ColumnFamily cf)
    {
        ArgumentNullException.ThrowIfNull(cf);
        CheckColumnFamily(cf);
        if (cf.Id == 0)
        {
            throw new ArgumentException("The default column family cannot be dropped.", nameof(cf));
        }
        lock (_mutex)
        {
            // Wait until no write group is in flight so the leader never inserts into a dropped CF.
            WaitForEmptyWriteQueueLocked();
            if (cf.Dropped)
            {
                return;
            }
            var edit = new VersionEdit { ColumnFamilyDrop = true };
            _versions.LogAndApply(cf, edit, Volatile.Read(ref _lastSequence));
            cf.Dropped = true;
            _cfByName.Remove(cf.Name);
            var byId = (ColumnFamily?[])_cfById.Clone();
            byId[cf.Id] = null;
            Volatile.Write(ref _cfById, byId);
            // Release the CF's memtables and version; files go when the last reader lets go.
            foreach (ImmutableMemTable imm in cf.Immutables)
            {
                if (!imm.FlushInProgress)
                {
                    imm.Mem.Unref();
                }
            }
            cf.Immutables.RemoveAll(static imm => !imm.FlushInProgress);
            Version.Version current = cf.Current;
            cf.Current = _versions.NewVersion(cf, VersionSet.CreateLevels(cf.Options.NumLevels));
            cf.Current.Ref();
            current.Unref();
            cf.InstallSuperVersion();
            Monitor.PulseAll(_mutex);
        }
    }

    private void AddColumnFamilyLocked(ColumnFamily cf)
    {
        Debug.Assert(Monitor.IsEntered(_mutex));
        _cfByName[cf.Name] = cf;
        ColumnFamily?[] byId = _cfById;
        if (cf.Id >= byId.Length)
        {
            Array.Resize(ref byId, (int)Math.Max(cf.Id + 1, byId.Length * 2));
        }
        else
        {
            byId = (ColumnFamily?[])byId.Clone();
        }
        byId[cf.Id] = cf;
        Volatile.Write(ref _cfById, byId);
    }

    private List<ColumnFamily> LiveColumnFamilies()
    {
        var list = new List<ColumnFamily>(_cfByName.Count);
        foreach (ColumnFamily? cf in _cfById)
        {
            if (cf is not null && !cf.Dropped)
            {
                list.Add(cf);
            }
        }
        return list;
    }


    internal ulong NewFileNumber()
    {
        lock (_mutex)
        {
            return _versions.NewFileNumber();
        }
    }

    internal string TableFilePath(ulong number) => FileNames.TableFileName(_path, number);

    private void CheckColumnFamily(ColumnFamily cf)
    {
        ThrowIfDisposed();
        if (!ReferenceEquals(cf.Db, this))
        {
            ThrowHelper.ThrowArgument("The column family belongs to another DB.", nameof(cf));
        }
        if (cf.Dropped)
        {
            ThrowHelper.ThrowArgument($"Column family '{cf.Name}' was dropped.", nameof(cf));
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowHelper.ThrowObjectDisposed(nameof(LsmDb));
        }
    }

    private void ThrowIfBackgroundError()
    {
        Debug.Assert(Monitor.IsEntered(_mutex));
        if (_backgroundError is not null)
        {
            throw new IOException($"The DB refuses writes after a background error; reopen it. Cause: {_backgroundError.Message}", _backgroundError);
        }
    }

    /// <summary>Records a sticky background error and tells the listeners. REQUIRES: DB mutex held.</summary>
    private void SetBackgroundError(Exception e, string job)
    {
        Debug.Assert(Monitor.IsEntered(_mutex));
        _backgroundError ??= e;
        Monitor.PulseAll(_mutex); // writers waiting on a stall see the error
        foreach (IEventListener l in _listeners)
        {
            l.OnBackgroundError(new BackgroundErrorInfo(job, e));
        }
    }

    /// <summary>Stops background work (waiting for running jobs), closes the WAL and every file. Unflushed memtables stay in the WAL.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        lock (_mutex)
        {
            // Let an in-flight write group finish.
            WaitForEmptyWriteQueueLocked();
            _disposed = true;
        }
        DisposeCore();
    }

    private void DisposeCore()
    {
        _disposed = true;
        StopBackgroundThreads();
        lock (_mutex)
        {
            _wal?.Dispose();
            _wal = null;
            foreach (ColumnFamily? cf in _cfById)
            {
                if (cf is null)
                {
                    continue;
                }
                cf.SuperVersion?.Unref();
                cf.SuperVersion = null!;
                cf.Mem?.Unref();
                foreach (ImmutableMemTable imm in cf.Immutables)
                {
                    imm.Mem.Unref();
                }
                cf.Immutables.Clear();
            }
        }
        if (_versions is not null)
        {
            PurgeObsoleteFiles(); // before the lock file goes: another process may open the DB after it
        }
        _versions?.Dispose();
        _tableCache?.Dispose();
        _lockFile.Dispose();
    }
}
