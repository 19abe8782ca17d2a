namespace ManagedKv.RaftEngine;

/// <summary>
/// One background thread per engine (Linux) that takes kernel work off the writer's path: it gives back the part
/// of the active file's mapping the writer has moved past and starts that range's write-back
/// (sync_file_range SYNC_FILE_RANGE_WRITE, RocksDB's bytes_per_sync), so the fdatasync at rotation only waits for the
/// tail; and it pre-faults the mapping ahead of the writer (MADV_POPULATE_WRITE), so the writer's copies land in
/// pages that are already writable. Neither changes what is durable: the bytes were in the page cache before the
/// work was queued, and every sync still goes through fdatasync.
/// </summary>
/// <remarks>
/// The queue is bounded: a new piece of work extends the newest queued one of its kind and mapping (so
/// a flusher that falls behind catches up in fewer, larger calls), and the writer waits for room only past
/// <see cref="Capacity"/> pieces. Work of one mapping touches disjoint ranges, so its order does not matter; the
/// writer drains the queue before it drops a mapping. The first failure is kept and surfaced to the writer as an
/// <see cref="IOException"/> by <see cref="ThrowIfFailed"/> (the pipe checks it on every append, sync and rotation);
/// work queued after it is still done. Threads: <see cref="Populate"/>, <see cref="Writeback"/>,
/// <see cref="Drain"/> are called by the write leader; <see cref="Dispose"/> once, by the pipe's owner.
/// </remarks>
internal sealed class LogFlusher : IDisposable
{
    private enum WorkKind
    {
        Populate,
        Writeback,
        DropCache,
    }

    private readonly record struct Work(WorkKind Kind, ActiveMapping? Mapping, LogFile? File, long From, long To);

    // The engine directory, for messages.
    private readonly string _directory;

    /// <summary>Most pieces of work queued at once.</summary>
    public const int Capacity = 16;

    // Guards _ring, _head, _count, _busy, _stopping, _idle and _waiters; Monitor.Wait/Pulse on it.
    private readonly object _gate = new();
    // The queue: _count pieces from _head, circular.
    private readonly Work[] _ring = new Work[Capacity];
    private int _head;
    private int _count;
    private readonly Thread _thread;
    private bool _busy;
    private bool _stopping;
    private bool _idle;
    // Writers waiting in Drain or for room.
    private int _waiters;
    private volatile Exception? _error;
    private volatile bool _populateUnsupported;
    private long _writebackBytes;
    private long _populatedBytes;
    private long _droppedFiles;

    public LogFlusher(string directory)
    {
        _directory = directory;
        _thread = new Thread(Run)
        {
            IsBackground = true,
            Name = "RaftEngine flusher",
        };
        _thread.Start();
    }

    /// <summary>Bytes whose write-back was started early.</summary>
    public long WritebackBytes => Interlocked.Read(ref _writebackBytes);

    /// <summary>Files whose cached pages were dropped.</summary>
    public long DroppedFiles => Interlocked.Read(ref _droppedFiles);

    /// <summary>Bytes of mapping pre-faulted writable.</summary>
    public long PopulatedBytes => Interlocked.Read(ref _populatedBytes);

    /// <summary>Tests only: runs before each write-back (file, from, to) on the flusher's thread; may throw or block.</summary>
    internal Action<LogFile, long, long>? BeforeWriteback { get; set; }

    /// <summary>Pieces of work queued (not counting one in progress).</summary>
    internal int QueuedCount
    {
        get
        {
            lock (_gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Whether pre-faulting is still attempted (false once the kernel refused it).</summary>
    public bool PopulateSupported => !_populateUnsupported;

    /// <summary>Queues pre-faulting [<paramref name="from"/>, <paramref name="to"/>) of the mapping writable.</summary>
    public void Populate(ActiveMapping mapping, long from, long to)
    {
        if (!_populateUnsupported)
        {
            Enqueue(new Work(WorkKind.Populate, mapping, null, from, to));
        }
    }

    /// <summary>
    /// Queues unmapping [.., <paramref name="to"/>) of <paramref name="mapping"/> (if any) and starting the write-back
    /// of [<paramref name="from"/>, <paramref name="to"/>) of <paramref name="file"/>. The writer must not touch that
    /// part of the mapping again. Takes a reference on the file until done.
    /// </summary>
    public void Writeback(ActiveMapping? mapping, LogFile file, long from, long to)
    {
        if (!file.TryAcquire())
        {
            return; // released: nothing left to write back through it
        }
        Enqueue(new Work(WorkKind.Writeback, mapping, file, from, to));
    }

    /// <summary>
    /// Queues dropping <paramref name="file"/>'s cached pages (a synced file no longer appended to). Takes a reference
    /// on the file until done. Called by purge (any thread): the queue's lock serializes it with the writer's calls.
    /// </summary>
    public void DropCache(LogFile file)
    {
        if (!file.TryAcquire())
        {
            return;
        }
        Enqueue(new Work(WorkKind.DropCache, null, file, 0, 0));
    }

    /// <summary>Waits until every queued piece of work is done.</summary>
    public void Drain()
    {
        lock (_gate)
        {
            _waiters++;
            try
            {
                while (_count > 0 || _busy)
                {
                    Monitor.Wait(_gate);
                }
            }
            finally
            {
                _waiters--;
            }
        }
    }

    /// <summary>Throws the first background failure, if any, as an <see cref="IOException"/>.</summary>
    public void ThrowIfFailed()
    {
        Exception? error = _error;
        if (error != null)
        {
            Throw(error);
        }
    }

    private void Throw(Exception error) =>
        throw new IOException($"Background write-back of the Raft log in '{_directory}' failed: {error.Message}", error);

    private void Enqueue(Work work)
    {
        lock (_gate)
        {
            for (int i = _count - 1; i >= 0; i--)
            {
                ref Work queued = ref _ring[(_head + i) % Capacity];
                if (queued.Kind != work.Kind)
                {
                    continue;
                }
                // Write-backs always meet; a pre-fault may start past the queued one's end (the writer passed
                // windows with positional writes), and the flusher skips the part behind the writer anyway.
                if (queued.Mapping == work.Mapping && queued.File == work.File && queued.To <= work.From)
                {
                    queued = queued with { To = work.To };
                    work.File?.Release(); // the queued piece holds its own reference
                    return;
                }
                break;
            }
            if (_count == Capacity && !_stopping)
            {
                _waiters++;
                try
                {
                    while (_count == Capacity && !_stopping)
                    {
                        Monitor.Wait(_gate);
                    }
                }
                finally
                {
                    _waiters--;
                }
            }
            if (_stopping)
            {
                work.File?.Release();
                ThrowHelper.ThrowObjectDisposed();
            }
            _ring[(_head + _count) % Capacity] = work;
            _count++;
            if (_idle)
            {
                Monitor.PulseAll(_gate);
            }
        }
    }

    private void Run()
    {
        while (true)
        {
            Work work;
            lock (_gate)
            {
                while (_count == 0 && !_stopping)
                {
                    _idle = true;
                    Monitor.Wait(_gate);
                    _idle = false;
                }
                if (_stopping)
                {
                    return;
                }
                work = _ring[_head];
                _ring[_head] = default;
                _head = (_head + 1) % Capacity;
                _count--;
                _busy = true;
            }
            try
            {
                Do(work);
            }
            catch (Exception e)
            {
                _error ??= e;
            }
            finally
            {
                work.File?.Release();
                lock (_gate)
                {
                    _busy = false;
                    if (_waiters > 0)
                    {
                        Monitor.PulseAll(_gate);
                    }
                }
            }
        }
    }

    private void Do(in Work work)
    {
        ActiveMapping? mapping = work.Mapping;
        if (work.Kind == WorkKind.Populate)
        {
            if (!mapping!.Closing && !_populateUnsupported)
            {
                if (mapping.Populate(work.From, work.To))
                {
                    Interlocked.Add(ref _populatedBytes, work.To - work.From);
                }
                else
                {
                    _populateUnsupported = true;
                }
            }
            return;
        }
        if (work.Kind == WorkKind.DropCache)
        {
            NativeFile.DropCache(work.File!.Handle);
            Interlocked.Increment(ref _droppedFiles);
            return;
        }
        mapping?.UnmapBelow(work.To);
        LogFile file = work.File!;
        BeforeWriteback?.Invoke(file, work.From, work.To);
        NativeFile.StartWriteback(file.Handle, file.Path, work.From, work.To - work.From);
        Interlocked.Add(ref _writebackBytes, work.To - work.From);
    }

    /// <summary>Stops the thread; work still queued is dropped (it only ever hastens what a sync does anyway).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }
            _stopping = true;
            Monitor.PulseAll(_gate);
        }
        _thread.Join();
        lock (_gate)
        {
            while (_count > 0)
            {
                _ring[_head].File?.Release();
                _ring[_head] = default;
                _head = (_head + 1) % Capacity;
                _count--;
            }
        }
    }
}
