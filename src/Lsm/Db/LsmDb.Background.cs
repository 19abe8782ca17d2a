using System.Diagnostics;
using ManagedKv.Lsm.Compaction;
using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Memtable;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm;

// Background work: one flush thread and (MaxBackgroundJobs - 1) compaction threads, all waiting on the DB mutex.
// Errors become the sticky background error and reach the listeners; nothing is lost in a task.
public sealed partial class LsmDb
{
    private BackgroundJobPool _pool = null!; // runs this DB's flushes and compactions (maybe shared)
    private bool _ownsPool;
    private int _runningCompactions; // guarded by _mutex
    private int _runningFlushes;     // guarded by _mutex
    private int _manualCompactions;  // guarded by _mutex: exclusive manual compactions running; automatic picking pauses while > 0
    private int _pausedBackgroundWork; // guarded by _mutex: > 0 stops flushes and compactions from starting
    private bool _compactionsPausedForTest; // guarded by _mutex

    /// <summary>Test hook: stop automatic compactions from starting while flushes go on.</summary>
    internal void SetCompactionsPausedForTest(bool paused)
    {
        lock (_mutex)
        {
            _compactionsPausedForTest = paused;
            while (paused && _runningCompactions > 0)
            {
                Monitor.Wait(_mutex);
            }
            MaybeScheduleWork();
        }
    }

    /// <summary>
    /// Stops flushes and compactions from starting and waits for running ones to finish (RocksDB's
    /// PauseBackgroundWork). Writes keep going until memtables or L0 fill up, then stall. Calls nest.
    /// </summary>
    public void PauseBackgroundWork()
    {
        ThrowIfDisposed();
        lock (_mutex)
        {
            _pausedBackgroundWork++;
            while (_runningFlushes > 0 || _runningCompactions > 0)
            {
                Monitor.Wait(_mutex);
            }
        }
    }

    /// <summary>Undoes one <see cref="PauseBackgroundWork"/>.</summary>
    public void ContinueBackgroundWork()
    {
        lock (_mutex)
        {
            if (_pausedBackgroundWork == 0)
            {
                throw new InvalidOperationException("ContinueBackgroundWork without a matching PauseBackgroundWork.");
            }
            _pausedBackgroundWork--;
            MaybeScheduleWork();
        }
    }

    private void StartBackgroundThreads()
    {
        if (_options.BackgroundJobPool is { } shared)
        {
            _pool = shared;
        }
        else
        {
            _pool = new BackgroundJobPool(1, Math.Max(1, _options.MaxBackgroundJobs - 1));
            _ownsPool = true;
        }
        _pool.Register(this);
    }

    private void StopBackgroundThreads()
    {
        lock (_mutex)
        {
            _shuttingDown = true;
            Monitor.PulseAll(_mutex);
            // Running jobs see _shuttingDown and stop early; wait for them to leave.
            while (_runningFlushes > 0 || _runningCompactions > 0)
            {
                Monitor.Wait(_mutex);
            }
        }
        if (_pool is not null)
        {
            _pool.Unregister(this);
            if (_ownsPool)
            {
                _pool.Dispose();
            }
        }
    }

    /// <summary>Wakes background threads to look for work and writers waiting on the DB. REQUIRES: DB mutex held.</summary>
    private void MaybeScheduleWork()
    {
        Debug.Assert(Monitor.IsEntered(_mutex));
        Monitor.PulseAll(_mutex);
        _pool?.Signal();
    }

    private void NotifyStall(WriteStallCondition condition)
    {
        foreach (IEventListener l in _listeners)
        {
            l.OnStallConditionsChanged(new WriteStallInfo(condition));
        }
    }

    // ---------------------------------------------------------------- flush

    /// <summary>Runs one flush if one is waiting; called by a pool thread. Returns false when there was none.</summary>
    internal bool RunOneFlush()
    {
        bool ran = RunOneFlushLocked();
        if (ran)
        {
            PurgeObsoleteFiles();
        }
        return ran;
    }

    private bool RunOneFlushLocked()
    {
        lock (_mutex)
        {
            if (_shuttingDown || _backgroundError is not null || _pausedBackgroundWork > 0
                || !TryPickFlush(out ColumnFamily? cf, out List<ImmutableMemTable>? imms))
            {
                return false;
            }
            _runningFlushes++;
            try
            {
                RunFlush(cf!, imms!);
            }
            catch (Exception e) when (e is not OperationCanceledException || !_shuttingDown)
            {
                foreach (ImmutableMemTable imm in imms!)
                {
                    imm.FlushInProgress = false;
                }
                SetBackgroundError(e, "flush");
            }
            catch (OperationCanceledException)
            {
                foreach (ImmutableMemTable imm in imms!)
                {
                    imm.FlushInProgress = false;
                }
            }
            finally
            {
                _runningFlushes--;
                MaybeScheduleWork();
            }
            return true;
        }
    }

    /// <summary>Picks the CF whose oldest immutable memtable is oldest, and all its waiting memtables. REQUIRES: DB mutex held.</summary>
    private bool TryPickFlush(out ColumnFamily? picked, out List<ImmutableMemTable>? imms)
    {
        picked = null;
        imms = null;
        ulong oldest = ulong.MaxValue;
        foreach (ColumnFamily? cf in _cfById)
        {
            if (cf is null || cf.Dropped || cf.Immutables.Count == 0 || cf.Immutables[0].FlushInProgress)
            {
                continue;
            }
            if (cf.Immutables[0].NextLogNumber < oldest)
            {
                oldest = cf.Immutables[0].NextLogNumber;
                picked = cf;
            }
        }
        if (picked is null)
        {
            return false;
        }
        imms = new List<ImmutableMemTable>();
        foreach (ImmutableMemTable imm in picked.Immutables)
        {
            if (imm.FlushInProgress)
            {
                break;
            }
            imm.FlushInProgress = true;
            imms.Add(imm);
        }
        return true;
    }

    /// <summary>Writes <paramref name="imms"/> (oldest first) into one L0 file. REQUIRES: DB mutex held (released while writing).</summary>
    private void RunFlush(ColumnFamily cf, List<ImmutableMemTable> imms)
    {
        ulong[] snapshots = SnapshotSequencesLocked();
        var tombstones = new TombstoneAccumulator();
        foreach (ImmutableMemTable imm in imms)
        {
            tombstones.Add(RangeDel.MemTableRangeDels.Get(imm.Mem));
        }
        var writer = new TableOutputWriter(this, cf, 0, snapshots, null, long.MaxValue, tombstones.Result()) { IoPriority = IoPriority.High };
        NotifyFlushBegin(cf, imms);
        var children = new IInternalIterator[imms.Count];
        long bytesIn = 0;
        for (int i = 0; i < imms.Count; i++)
        {
            children[i] = imms[i].Mem.NewIterator();
            bytesIn += imms[i].Mem.ApproximateMemoryUsage;
        }
        var sw = Stopwatch.StartNew();
        Monitor.Exit(_mutex);
        try
        {
            using var merged = new MergingIterator(children);
            // A flush in progress at close runs to the end (as RocksDB's does): abandoning it would leave the WAL it
            // covers to be replayed at the next open and its half-written table to be deleted.
            writer.Run(merged, static () => false);
        }
        finally
        {
            Monitor.Enter(_mutex);
        }

        var edit = new VersionEdit { LogNumber = imms[^1].NextLogNumber };
        foreach (FileMetaData f in writer.Outputs)
        {
            edit.AddFile(0, f);
        }
        try
        {
            _versions.LogAndApply(cf, edit, Volatile.Read(ref _lastSequence));
        }
        catch
        {
            writer.Abandon();
            throw;
        }
        foreach (ImmutableMemTable imm in imms)
        {
            cf.Immutables.Remove(imm);
            imm.Mem.Unref();
        }
        cf.InstallSuperVersion();
        AdvanceLogNumbersOfEmptyColumnFamilies();
        DeleteObsoleteWals();
        MaybeScheduleWork();

        var info = new FlushJobInfo(cf.Name, writer.Outputs.Count > 0 ? writer.Outputs[0].Number : 0,
            writer.Outputs.Count > 0 ? TableFilePath(writer.Outputs[0].Number) : "", writer.BytesWritten, writer.EntriesIn, sw.Elapsed,
            writer.OutputProperties.Count > 0 ? writer.OutputProperties[0] : null);
        Interlocked.Add(ref _statFlushBytes, writer.BytesWritten);
        _statistics.Record(Ticker.FlushWriteBytes, writer.BytesWritten);
        Interlocked.Increment(ref _statFlushCount);
        foreach (IEventListener l in _listeners)
        {
            l.OnFlushCompleted(info);
        }
    }

    /// <summary>
    /// CFs with nothing in memory need no WAL older than the current one; record that so old WALs can go.
    /// REQUIRES: DB mutex held.
    /// </summary>
    private void AdvanceLogNumbersOfEmptyColumnFamilies()
    {
        foreach (ColumnFamily? cf in _cfById)
        {
            if (cf is not null && !cf.Dropped && cf.Mem.IsEmpty && cf.Immutables.Count == 0 && cf.LogNumber < _walNumber)
            {
                _versions.LogAndApply(cf, new VersionEdit { LogNumber = _walNumber }, Volatile.Read(ref _lastSequence));
            }
        }
    }

    // ---------------------------------------------------------------- compaction

    /// <summary>Runs one automatic compaction if one is due; called by a pool thread. Returns false when there was none.</summary>
    internal bool RunOneCompaction()
    {
        lock (_mutex)
        {
            if (_shuttingDown || _backgroundError is not null || _manualCompactions > 0 || _pausedBackgroundWork > 0 || _compactionsPausedForTest)
            {
                return false;
            }
            Compaction.Compaction? c = PickAutomaticCompaction();
            if (c is null)
            {
                return false;
            }
            RunCompactionLocked(c);
        }
        PurgeObsoleteFiles();
        return true;
    }

    /// <summary>
    /// Deletes the files queued as obsolete (<see cref="Version.VersionSet.QueueDelete"/>): SSTs no version uses and
    /// WALs no memtable needs. Runs without the DB mutex, so writers never wait for an unlink; the background job that
    /// made the files obsolete calls it when it ends, as do Flush, CompactRange and Dispose (a file released by a
    /// reader's last reference waits for the next of these). When it returns, every deletion queued before the call
    /// is done (a concurrent purge is waited for). REQUIRES: DB mutex not held.
    /// </summary>
    internal void PurgeObsoleteFiles()
    {
        Debug.Assert(!Monitor.IsEntered(_mutex));
        lock (_purgeLock)
        {
            List<string>? paths;
            lock (_mutex)
            {
                paths = _versions.TakePendingDeletes();
            }
            if (paths is null)
            {
                return;
            }
            foreach (string path in paths)
            {
                try
                {
                    File.Delete(path);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // Left behind: the next open removes files no version lists.
                }
            }
        }
    }

    private Compaction.Compaction? PickAutomaticCompaction()
    {
        foreach (ColumnFamily? cf in _cfById)
        {
            if (cf is null || cf.Dropped || cf.Options.DisableAutoCompactions)
            {
                continue;
            }
            Compaction.Compaction? c = CompactionPicker.Pick(cf);
            if (c is not null)
            {
                return c;
            }
        }
        return null;
    }

    /// <summary>Runs a picked compaction to its end. REQUIRES: DB mutex held (released while merging).</summary>
    private void RunCompactionLocked(Compaction.Compaction c)
    {
        c.MarkBeingCompacted(true);
        c.InputVersion.Ref();
        _runningCompactions++;
        try
        {
            RunCompaction(c);
        }
        catch (OperationCanceledException) when (_shuttingDown)
        {
            // Shutdown interrupted it; the inputs stay as they are.
        }
        catch (Exception e)
        {
            SetBackgroundError(e, "compaction");
        }
        finally
        {
            c.MarkBeingCompacted(false);
            _runningCompactions--;
            c.InputVersion.Unref();
            MaybeScheduleWork();
        }
    }

    private void RunCompaction(Compaction.Compaction c)
    {
        ColumnFamily cf = c.ColumnFamily;
        var sw = Stopwatch.StartNew();
        var edit = new VersionEdit();
        long bytesWritten = 0;
        List<FileMetaData> outputs;
        TableOutputWriter? writer = null;
        NotifyCompactionBegin(c);
        if (c.IsTrivialMove && !c.IsManual)
        {
            foreach (FileMetaData f in c.StartInputs)
            {
                edit.DeleteFile(c.StartLevel, f.Number);
                edit.AddFile(c.OutputLevel, f);
            }
            outputs = c.StartInputs;
        }
        else
        {
            ulong[] snapshots = SnapshotSequencesLocked();
            var children = new List<IInternalIterator>();
            CompactionFilterContext filterContext = NewCompactionFilterContext(c);
            Monitor.Exit(_mutex);
            try
            {
                TableCache cache = _tableCache;
                // One pass over the inputs: their range tombstones, and their table properties for the filter factory.
                ICompactionFilterFactory? filterFactory = cf.Options.CompactionFilterFactory;
                List<TableProperties>? inputProperties = filterFactory is null ? null : new List<TableProperties>();
                var tombstones = new TombstoneAccumulator();
                tombstones.AddFiles(cache, c.StartInputs, inputProperties);
                tombstones.AddFiles(cache, c.OutputInputs, inputProperties);
                writer = new TableOutputWriter(this, cf, c.OutputLevel, snapshots, c.InputVersion, cf.Options.TargetFileSizeBase,
                    tombstones.Result());
                if (filterFactory is not null)
                {
                    writer.CompactionFilter = filterFactory.CreateCompactionFilter(
                        filterContext with { InputTableProperties = inputProperties! });
                }
                if (c.StartLevel == 0)
                {
                    foreach (FileMetaData f in c.StartInputs)
                    {
                        children.Add(new OwnedTableIterator(cache.Acquire(f), fillCache: false));
                    }
                }
                else
                {
                    children.Add(new LevelIterator(cache, SortedByKey(c.StartInputs), fillCache: false));
                }
                if (c.OutputInputs.Count > 0)
                {
                    children.Add(new LevelIterator(cache, SortedByKey(c.OutputInputs), fillCache: false));
                }
                using var merged = new MergingIterator(children.ToArray());
                writer.Run(merged, () => _shuttingDown);
            }
            finally
            {
                (writer?.CompactionFilter as IDisposable)?.Dispose();
                Monitor.Enter(_mutex);
            }
            foreach (FileMetaData f in c.StartInputs)
            {
                edit.DeleteFile(c.StartLevel, f.Number);
            }
            foreach (FileMetaData f in c.OutputInputs)
            {
                edit.DeleteFile(c.OutputLevel, f.Number);
            }
            foreach (FileMetaData f in writer.Outputs)
            {
                edit.AddFile(c.OutputLevel, f);
            }
            outputs = writer.Outputs;
            bytesWritten = writer.BytesWritten;
        }
        try
        {
            _versions.LogAndApply(cf, edit, Volatile.Read(ref _lastSequence));
        }
        catch
        {
            writer?.Abandon();
            throw;
        }
        cf.InstallSuperVersion();
        Interlocked.Add(ref _statCompactionBytesRead, c.IsTrivialMove && !c.IsManual ? 0 : c.InputBytes);
        Interlocked.Add(ref _statCompactionBytesWritten, bytesWritten);
        Interlocked.Increment(ref _statCompactionCount);
        RecordCompactionStatistics(c, writer);
        var info = new CompactionJobInfo(cf.Name, c.StartLevel, c.OutputLevel, c.Reason, c.IsTrivialMove && !c.IsManual,
            FileNumbers(c.StartInputs, c.OutputInputs), FileNumbers(outputs, null), c.InputBytes, bytesWritten,
            writer?.EntriesIn ?? 0, writer?.EntriesDropped ?? 0, sw.Elapsed)
        {
            IsManualCompaction = c.IsManual,
            OutputTableProperties = writer?.OutputProperties ?? [],
            EntriesRemovedByFilter = writer?.EntriesRemovedByFilter ?? 0,
            EntriesChangedByFilter = writer?.EntriesChangedByFilter ?? 0,
        };
        foreach (IEventListener l in _listeners)
        {
            l.OnCompactionCompleted(info);
        }
    }

    private static List<FileMetaData> SortedByKey(List<FileMetaData> files)
    {
        var sorted = new List<FileMetaData>(files);
        sorted.Sort(static (a, b) => Keys.InternalKey.Compare(a.Smallest, b.Smallest));
        return sorted;
    }

    private static ulong[] FileNumbers(List<FileMetaData> a, List<FileMetaData>? b)
    {
        var result = new ulong[a.Count + (b?.Count ?? 0)];
        int i = 0;
        foreach (FileMetaData f in a)
        {
            result[i++] = f.Number;
        }
        if (b is not null)
        {
            foreach (FileMetaData f in b)
            {
                result[i++] = f.Number;
            }
        }
        return result;
    }

    // ---------------------------------------------------------------- manual

    /// <summary>Flushes the default column family's memtable.</summary>
    public void Flush(bool wait = true) => Flush(_defaultCf, wait);

    /// <summary>
    /// Switches <paramref name="cf"/>'s memtable (when not empty) and, with <paramref name="wait"/>, waits until every
    /// memtable of the CF switched so far is in an SST.
    /// </summary>
    public void Flush(ColumnFamily? cf, bool wait = true)
    {
        cf ??= _defaultCf;
        CheckColumnFamily(cf);
        WriteCore(null, WriteOptions.Default, cf);
        if (!wait)
        {
            return;
        }
        lock (_mutex)
        {
            while (cf.Immutables.Count > 0 && !cf.Dropped)
            {
                ThrowIfBackgroundError();
                ThrowIfDisposed();
                Monitor.Wait(_mutex, 100);
            }
            ThrowIfBackgroundError();
        }
        PurgeObsoleteFiles();
    }

    /// <summary>Compacts the default column family over [begin, end] (null = unbounded).</summary>
    public void CompactRange(byte[]? begin = null, byte[]? end = null) => CompactRange(_defaultCf, begin, end);

    /// <summary>
    /// Compacts every file of <paramref name="cf"/> overlapping the user-key range [begin, end] (null = unbounded) down
    /// the levels with the default <see cref="CompactRangeOptions"/>.
    /// </summary>
    public void CompactRange(ColumnFamily cf, byte[]? begin, byte[]? end) => CompactRange(cf, begin, end, s_defaultCompactRangeOptions);

    private static int DeepestNonEmptyLevel(Version.Version v)
    {
        for (int level = v.NumLevels - 1; level >= 0; level--)
        {
            if (v.NumFiles(level) > 0)
            {
                return level;
            }
        }
        return 0;
    }
}
