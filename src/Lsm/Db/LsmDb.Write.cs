using System.Diagnostics;
using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Keys;
using ValueType = ManagedKv.Lsm.Keys.ValueType;
using ManagedKv.Lsm.Memtable;
using ManagedKv.Lsm.Util;
using ManagedKv.Lsm.Version;
using ManagedKv.Lsm.Wal;

namespace ManagedKv.Lsm;

// The write path: one queue of writers; the writer at its head leads a group, makes room (memtable switch, stalls),
// writes the group's batches to the WAL as one record (syncing once if any member asked), inserts them into the
// memtables, publishes the last sequence and wakes the group (leveldb's DBImpl::Write).
public sealed partial class LsmDb
{
    private const int MaxGroupBytes = 1 << 20;

    [ThreadStatic]
    private static Writer? t_writer;

    [ThreadStatic]
    private static WriteBatch? t_batch;

    // Writer queue, guarded by _mutex. Invariant: _writersHead is null iff _writersTail is null.
    private Writer? _writersHead;
    private Writer? _writersTail;
    private int _queueDrainWaiters; // guarded by _mutex: threads waiting for an empty writer queue

    // The WAL; switched under _mutex by the leader (no write in flight then). Older WALs still needed by some CF.
    private WalWriter? _wal;
    private ulong _walNumber;
    // Whether _wal's directory entry is durable. Cleared by SwitchMemtable, set by the first synced write group after
    // it (only the leader touches it, and switches happen between groups under _mutex). The WAL made at open is
    // covered by the directory sync of the snapshot MANIFEST written after it.
    private bool _walDirectorySynced = true;
    private readonly List<(ulong Number, long Size)> _oldWals = new(); // guarded by _mutex, ascending

    // Sequence numbers. _lastSequence: last write visible to readers (Volatile). _lastAllocated: leader only.
    private ulong _lastSequence;
    private ulong _lastAllocated;

    // Delayed-write debt in microseconds, paid off in whole-millisecond sleeps. Guarded by _mutex.
    private double _delayDebtMicros;

    // Leader-only scratch: the merged batch of a group of several writers.
    private byte[] _groupBuffer = new byte[4096];

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> in the default column family.</summary>
    public void Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, WriteOptions? options = null) => Put(_defaultCf, key, value, options);

    /// <summary>Sets <paramref name="key"/> to <paramref name="value"/> in <paramref name="cf"/>.</summary>
    public void Put(ColumnFamily cf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, WriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cf);
        WriteBatch batch = t_batch ??= new WriteBatch();
        batch.Clear();
        batch.Put(cf, key, value);
        WriteCore(batch, options ?? WriteOptions.Default, null);
    }

    /// <summary>Removes <paramref name="key"/> from the default column family (no error when absent).</summary>
    public void Delete(ReadOnlySpan<byte> key, WriteOptions? options = null) => Delete(_defaultCf, key, options);

    /// <summary>Removes <paramref name="key"/> from <paramref name="cf"/> (no error when absent).</summary>
    public void Delete(ColumnFamily cf, ReadOnlySpan<byte> key, WriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cf);
        WriteBatch batch = t_batch ??= new WriteBatch();
        batch.Clear();
        batch.Delete(cf, key);
        WriteCore(batch, options ?? WriteOptions.Default, null);
    }

    /// <summary>Deletes every key in [<paramref name="begin"/>, <paramref name="end"/>) of the default column family.</summary>
    public void DeleteRange(ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end, WriteOptions? options = null) => DeleteRange(_defaultCf, begin, end, options);

    /// <summary>
    /// Deletes every key k with begin &lt;= k &lt; end in <paramref name="cf"/> with one range tombstone: older snapshots
    /// and iterators still see the keys; compaction drops them (and the tombstone at the bottommost level).
    /// </summary>
    public void DeleteRange(ColumnFamily cf, ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end, WriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cf);
        WriteBatch batch = t_batch ??= new WriteBatch();
        batch.Clear();
        batch.DeleteRange(cf, begin, end);
        if (batch.Count > 0)
        {
            WriteCore(batch, options ?? WriteOptions.Default, null);
        }
    }

    /// <summary>Applies every update of <paramref name="batch"/> atomically (all column families), in order.</summary>
    public void Write(WriteBatch batch, WriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0)
        {
            return;
        }
        WriteCore(batch, options ?? WriteOptions.Default, null);
    }

    private void WriteCore(WriteBatch? batch, WriteOptions options, ColumnFamily? flushRequest)
    {
        ThrowIfDisposed();
        Writer w = t_writer ??= new Writer();
        w.Reset();
        w.Batch = batch;
        w.Sync = options.Sync;
        w.DisableWal = options.DisableWal;
        w.FlushRequest = flushRequest;

        Writer lastWriter;
        ulong firstSequence;
        int groupCount;
        bool groupSync;
        bool groupDisableWal;
        lock (_mutex)
        {
            if (_writersTail is null)
            {
                _writersHead = w;
            }
            else
            {
                _writersTail.Next = w;
            }
            _writersTail = w;
            while (!w.Done && !ReferenceEquals(w, _writersHead))
            {
                // Wait on the writer's own signal, not the DB monitor, so a finished group wakes only its own
                // writers and the next leader, never the background threads.
                w.Signal.Reset();
                Monitor.Exit(_mutex);
                try
                {
                    w.Signal.Wait();
                }
                finally
                {
                    Monitor.Enter(_mutex);
                }
            }
            if (w.Done)
            {
                if (w.Error is not null)
                {
                    throw w.Error;
                }
                return;
            }

            // Leader.
            try
            {
                ThrowIfDisposed();
                ThrowIfBackgroundError();
                MakeRoomForWrite(flushRequest, batch?.DataSize ?? 0);
                if (batch is null)
                {
                    FinishGroupLocked(w, w, null);
                    return;
                }
                ValidateBatchLocked(batch);
            }
            catch (Exception e)
            {
                FinishGroupLocked(w, w, e);
                throw;
            }

            // Gather followers with compatible options, up to a size limit.
            int groupBytes = batch.DataSize;
            int maxBytes = groupBytes <= (128 << 10) ? groupBytes + (128 << 10) : MaxGroupBytes;
            groupCount = batch.Count;
            groupSync = w.Sync;
            groupDisableWal = w.DisableWal;
            lastWriter = w;
            for (Writer? next = w.Next; next is not null; next = next.Next)
            {
                if (next.Batch is null || next.DisableWal != groupDisableWal || (next.Sync && !groupSync)
                    || groupBytes + next.Batch.DataSize > maxBytes || !BatchIsValidLocked(next.Batch))
                {
                    break;
                }
                groupBytes += next.Batch.DataSize;
                groupCount += next.Batch.Count;
                lastWriter = next;
            }
            firstSequence = _lastAllocated + 1;
            _lastAllocated += (ulong)groupCount;
            _statistics.Record(Ticker.NumberKeysWritten, groupCount);
            _statistics.Record(Ticker.BytesWritten, groupBytes);
        }

        // Outside the mutex: only the leader runs here, so the WAL and the active memtables are ours.
        Exception? error = null;
        try
        {
            if (!groupDisableWal)
            {
                ReadOnlySpan<byte> record = EncodeGroup(w, lastWriter, firstSequence, groupCount);
                _wal!.AddRecord(record);
                _statistics.Record(Ticker.WalFileBytes, record.Length);
                _statistics.Record(Ticker.WriteWithWal);
                if (groupSync)
                {
                    _wal.Sync();
                    if (!_walDirectorySynced)
                    {
                        // The first synced write to a new WAL also makes its directory entry durable (RocksDB's
                        // log_dir_synced_): a memtable switch leaves that to this write rather than stall the writer.
                        DirectorySync.Sync(_path);
                        _walDirectorySynced = true;
                        _statistics.Record(Ticker.WalDirectorySynced);
                    }
                    _statistics.Record(Ticker.WalFileSynced);
                }
            }
            var inserter = new MemTableInserter(Volatile.Read(ref _cfById));
            for (Writer? x = w; ; x = x.Next)
            {
                WriteBatch b = x!.Batch!;
                WriteBatch.SetSequence(b.DataMutable, firstSequence);
                WriteBatch.Iterate(b.Data, ref inserter, "write batch", 0);
                firstSequence += (ulong)b.Count;
                if (ReferenceEquals(x, lastWriter))
                {
                    break;
                }
            }
        }
        catch (Exception e)
        {
            error = e;
        }

        lock (_mutex)
        {
            if (error is not null)
            {
                // A failed WAL write or sync leaves the log in an unknown state: refuse further writes (leveldb).
                SetBackgroundError(error, "WAL write");
            }
            else
            {
                Volatile.Write(ref _lastSequence, firstSequence - 1);
            }
            FinishGroupLocked(w, lastWriter, error);
        }
        if (error is not null)
        {
            throw new IOException($"Write failed: {error.Message}", error);
        }
    }

    private ReadOnlySpan<byte> EncodeGroup(Writer first, Writer last, ulong firstSequence, int count)
    {
        if (ReferenceEquals(first, last))
        {
            WriteBatch b = first.Batch!;
            WriteBatch.SetSequence(b.DataMutable, firstSequence);
            return b.Data;
        }
        int total = WriteBatchFormat.HeaderSize;
        for (Writer? x = first; ; x = x.Next)
        {
            total += x!.Batch!.DataSize - WriteBatchFormat.HeaderSize;
            if (ReferenceEquals(x, last))
            {
                break;
            }
        }
        if (_groupBuffer.Length < total)
        {
            _groupBuffer = new byte[Math.Max(total, _groupBuffer.Length * 2)];
        }
        Span<byte> buffer = _groupBuffer;
        WriteBatch.SetSequence(buffer, firstSequence);
        WriteBatch.SetCount(buffer, (uint)count);
        int offset = WriteBatchFormat.HeaderSize;
        for (Writer? x = first; ; x = x.Next)
        {
            ReadOnlySpan<byte> body = x!.Batch!.Data[WriteBatchFormat.HeaderSize..];
            body.CopyTo(buffer[offset..]);
            offset += body.Length;
            if (ReferenceEquals(x, last))
            {
                break;
            }
        }
        return buffer[..total];
    }

    /// <summary>
    /// Marks writers first..last done, removes them from the queue and wakes them and the next leader.
    /// REQUIRES: DB mutex held.
    /// </summary>
    private void FinishGroupLocked(Writer first, Writer last, Exception? error)
    {
        Debug.Assert(Monitor.IsEntered(_mutex));
        Debug.Assert(ReferenceEquals(first, _writersHead));
        Writer? x = first;
        while (true)
        {
            Writer current = x!;
            x = current.Next;
            current.Error = ReferenceEquals(current, first) ? null : error;
            current.Done = true;
            current.Next = null;
            if (!ReferenceEquals(current, first))
            {
                current.Signal.Set();
            }
            if (ReferenceEquals(current, last))
            {
                break;
            }
        }
        _writersHead = x;
        if (x is null)
        {
            _writersTail = null;
            if (_queueDrainWaiters > 0)
            {
                Monitor.PulseAll(_mutex); // DropColumnFamily / Dispose wait for an empty queue
            }
        }
        else
        {
            x.Signal.Set(); // the next leader
        }
    }

    /// <summary>Waits until no write group is queued or in flight. REQUIRES: DB mutex held.</summary>
    private void WaitForEmptyWriteQueueLocked()
    {
        _queueDrainWaiters++;
        try
        {
            while (_writersHead is not null)
            {
                Monitor.Wait(_mutex);
            }
        }
        finally
        {
            _queueDrainWaiters--;
        }
    }

    private void ValidateBatchLocked(WriteBatch batch)
    {
        if (!BatchIsValidLocked(batch))
        {
            throw new ArgumentException("The write batch names a column family that does not exist or was dropped.");
        }
    }

    private bool BatchIsValidLocked(WriteBatch batch)
    {
        ulong mask = batch.ColumnFamilyMask;
        ColumnFamily?[] byId = _cfById;
        if ((mask & (1UL << 63)) != 0)
        {
            // Ids >= 63: check every entry.
            var checker = new ColumnFamilyChecker(byId);
            WriteBatch.Iterate(batch.Data, ref checker, "write batch", 0);
            return checker.Valid;
        }
        while (mask != 0)
        {
            int id = System.Numerics.BitOperations.TrailingZeroCount(mask);
            mask &= mask - 1;
            if (id >= byId.Length || byId[id] is null)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// Makes sure the memtables can take the next write group: switches full memtables, and slows down or stops
    /// (waits) while memtables or L0 files pile up or compaction falls too far behind.
    /// REQUIRES: DB mutex held, called by the write leader.
    /// </summary>
    private void MakeRoomForWrite(ColumnFamily? flushRequest, long pendingBytes)
    {
        Debug.Assert(Monitor.IsEntered(_mutex));
        bool allowDelay = flushRequest is null;
        bool stalled = false;
        long stallStart = 0;
        while (true)
        {
            ThrowIfBackgroundError();
            ThrowIfDisposed();
            bool stop = false;
            bool delay = false;
            ColumnFamily?[] byId = _cfById;
            foreach (ColumnFamily? cf in byId)
            {
                if (cf is null || cf.Dropped)
                {
                    continue;
                }
                ColumnFamilyOptions o = cf.Options;
                bool wantSwitch = ReferenceEquals(cf, flushRequest)
                    ? !cf.Mem.IsEmpty
                    : cf.Mem.ApproximateMemoryUsage >= o.WriteBufferSize;
                if (wantSwitch)
                {
                    if (cf.Immutables.Count >= o.MaxWriteBufferNumber - 1)
                    {
                        stop = true; // too many memtables waiting for flush
                    }
                    else
                    {
                        SwitchMemtable(cf);
                        if (ReferenceEquals(cf, flushRequest))
                        {
                            flushRequest = null;
                        }
                    }
                }
                Version.Version v = cf.Current;
                int l0 = v.NumFiles(0);
                if (l0 >= o.Level0StopWritesTrigger || v.EstimatedPendingCompactionBytes >= o.HardPendingCompactionBytesLimit)
                {
                    stop = !o.DisableAutoCompactions || stop;
                }
                else if (l0 >= o.Level0SlowdownWritesTrigger || v.EstimatedPendingCompactionBytes >= o.SoftPendingCompactionBytesLimit)
                {
                    delay = !o.DisableAutoCompactions || delay;
                }
            }
            if (!stop)
            {
                MaybeFlushForWalSize();
            }
            if (stop)
            {
                if (!stalled)
                {
                    stalled = true;
                    stallStart = Stopwatch.GetTimestamp();
                    NotifyStall(WriteStallCondition.Stopped);
                }
                MaybeScheduleWork();
                Monitor.Wait(_mutex, 100);
                continue;
            }
            if (delay && allowDelay)
            {
                // Delayed writes: each write group owes (its bytes / DelayedWriteRate) seconds; the debt is slept off in
                // whole milliseconds so compaction can catch up (RocksDB's delayed write rate).
                if (!stalled)
                {
                    stallStart = Stopwatch.GetTimestamp();
                    NotifyStall(WriteStallCondition.Delayed);
                }
                allowDelay = false;
                stalled = true;
                long rate = Math.Max(_options.DelayedWriteRate, 1024);
                _delayDebtMicros += (double)Math.Max(pendingBytes, 1) * 1_000_000 / rate;
                if (_delayDebtMicros >= 1000)
                {
                    int sleepMs = (int)Math.Min(_delayDebtMicros / 1000, 100);
                    _delayDebtMicros -= sleepMs * 1000;
                    Monitor.Exit(_mutex);
                    try
                    {
                        Thread.Sleep(sleepMs);
                    }
                    finally
                    {
                        Monitor.Enter(_mutex);
                    }
                }
                continue;
            }
            if (stalled)
            {
                _statistics.Record(Ticker.StallMicros, (long)Stopwatch.GetElapsedTime(stallStart).TotalMicroseconds);
                NotifyStall(WriteStallCondition.Normal);
            }
            return;
        }
    }

    /// <summary>
    /// Moves <paramref name="cf"/>'s active memtable to its immutable list and starts a new WAL, so the flush of the
    /// old memtable lets older WALs go. REQUIRES: DB mutex held, no write group in flight (leader or open).
    /// </summary>
    private void SwitchMemtable(ColumnFamily cf)
    {
        Debug.Assert(Monitor.IsEntered(_mutex));
        ulong newNumber = _versions.NewFileNumber();
        WalWriter newWal = CreateWal(newNumber);
        // The new WAL's directory entry is made durable by the first synced write to it, not here: the switch runs on
        // a writer's thread, and a directory fsync (a journal commit) took 3-7 ms. Unsynced writes survive a process
        // crash without it; a power loss may lose them either way.
        _walDirectorySynced = false;
        if (_wal is not null)
        {
            _oldWals.Add((_walNumber, _wal.Size));
            // Not truncated: the old WAL is deleted once its memtable is flushed, and freeing its preallocated tail
            // here would wait for the device's discard on the writer's thread.
            _wal.CloseKeepingPreallocation();
        }
        _wal = newWal;
        _walNumber = newNumber;
        cf.Immutables.Add(new ImmutableMemTable(cf.Mem, newNumber));
        cf.Mem = NewMemTable(cf);
        cf.InstallSuperVersion();
        MaybeScheduleWork();
    }

    private WalWriter CreateWal(ulong number) =>
        WalWriter.Create(FileNames.LogFileName(_path, number), number, new WalWriterOptions { UseMemoryMappedWrites = _options.UseMemoryMappedWal });

    /// <summary>When the live WALs outgrow MaxTotalWalSize, flush the CFs that pin the oldest one. REQUIRES: DB mutex held.</summary>
    private void MaybeFlushForWalSize()
    {
        if (_oldWals.Count == 0)
        {
            return;
        }
        long limit = _options.MaxTotalWalSize;
        if (limit <= 0)
        {
            limit = 0;
            foreach (ColumnFamily? cf in _cfById)
            {
                if (cf is not null && !cf.Dropped)
                {
                    limit += cf.Options.WriteBufferSize * cf.Options.MaxWriteBufferNumber;
                }
            }
            limit *= 4;
        }
        long total = _wal?.Size ?? 0;
        foreach ((_, long size) in _oldWals)
        {
            total += size;
        }
        if (total <= limit)
        {
            return;
        }
        ulong oldest = _oldWals[0].Number;
        foreach (ColumnFamily? cf in _cfById)
        {
            if (cf is not null && !cf.Dropped && cf.LogNumber <= oldest && !cf.Mem.IsEmpty
                && cf.Immutables.Count < cf.Options.MaxWriteBufferNumber - 1)
            {
                SwitchMemtable(cf);
            }
        }
    }

    /// <summary>Queues WAL files that no column family needs any more for deletion. REQUIRES: DB mutex held.</summary>
    private void DeleteObsoleteWals()
    {
        ulong minLog = MinLogNumberToKeep();
        while (_oldWals.Count > 0 && _oldWals[0].Number < minLog)
        {
            _versions.QueueDelete(FileNames.LogFileName(_path, _oldWals[0].Number));
            _oldWals.RemoveAt(0);
        }
    }

    private ulong MinLogNumberToKeep()
    {
        ulong min = _walNumber;
        foreach (ColumnFamily? cf in _cfById)
        {
            if (cf is null || cf.Dropped)
            {
                continue;
            }
            min = Math.Min(min, cf.LogNumber);
        }
        return min;
    }

    /// <summary>Inserts the updates of a batch into the active memtables of their column families.</summary>
    private readonly struct MemTableInserter : IWriteBatchHandler
    {
        private readonly ColumnFamily?[] _cfs;

        public MemTableInserter(ColumnFamily?[] cfs) => _cfs = cfs;

        public void Put(uint cfId, ulong sequence, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) =>
            _cfs[cfId]!.Mem.Add(sequence, ValueType.Value, key, value);

        public void Delete(uint cfId, ulong sequence, ReadOnlySpan<byte> key) =>
            _cfs[cfId]!.Mem.Add(sequence, ValueType.Deletion, key, default);

        public void DeleteRange(uint cfId, ulong sequence, ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end) =>
            _cfs[cfId]!.Mem.Add(sequence, ValueType.RangeDeletion, begin, end);
    }

    private struct ColumnFamilyChecker : IWriteBatchHandler
    {
        private readonly ColumnFamily?[] _cfs;

        public ColumnFamilyChecker(ColumnFamily?[] cfs)
        {
            _cfs = cfs;
            Valid = true;
        }

        public bool Valid { get; private set; }

        public void Put(uint cfId, ulong sequence, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value) => Check(cfId);

        public void Delete(uint cfId, ulong sequence, ReadOnlySpan<byte> key) => Check(cfId);

        public void DeleteRange(uint cfId, ulong sequence, ReadOnlySpan<byte> begin, ReadOnlySpan<byte> end) => Check(cfId);

        private void Check(uint cfId)
        {
            if (cfId >= _cfs.Length || _cfs[cfId] is null)
            {
                Valid = false;
            }
        }
    }
}
