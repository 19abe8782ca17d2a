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
/// Work runs in the order queued. The first failure is kept and surfaced to the writer as an
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
    }

    private readonly record struct Work(WorkKind Kind, ActiveMapping? Mapping, LogFile? File, long From, long To);

    // Guards _queue, _busy, _stopping and _drainers; Monitor.Wait/Pulse on it.
    private readonly object _gate = new();
    private readonly Queue<Work> _queue = new();
    private readonly Thread _thread;
    private bool _busy;
    private bool _stopping;
    private bool _idle;
    private int _drainers;
    private volatile Exception? _error;
    private volatile bool _populateUnsupported;
    private long _writebackBytes;
    private long _populatedBytes;

    public LogFlusher(string directory)
    {
        _thread = new Thread(Run)
        {
            IsBackground = true,
            Name = "RaftEngine flusher",
        };
        Directory = directory;
        _thread.Start();
    }

    /// <summary>The engine directory (for messages).</summary>
    public string Directory { get; }

    /// <summary>Bytes whose write-back was started early.</summary>
    public long WritebackBytes => Interlocked.Read(ref _writebackBytes);

    /// <summary>Bytes of mapping pre-faulted writable.</summary>
    public long PopulatedBytes => Interlocked.Read(ref _populatedBytes);

    /// <summary>Tests only: runs before each write-back (file, from, to) on the flusher's thread; may throw or block.</summary>
    internal Action<LogFile, long, long>? BeforeWriteback { get; set; }

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

    /// <summary>Waits until every queued piece of work is done.</summary>
    public void Drain()
    {
        lock (_gate)
        {
            _drainers++;
            try
            {
                while (_queue.Count > 0 || _busy)
                {
                    Monitor.Wait(_gate);
                }
            }
            finally
            {
                _drainers--;
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
        throw new IOException($"Background write-back of the Raft log in '{Directory}' failed: {error.Message}", error);

    private void Enqueue(Work work)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                work.File?.Release();
                ThrowHelper.ThrowObjectDisposed();
            }
            _queue.Enqueue(work);
            if (_idle)
            {
                Monitor.Pulse(_gate);
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
                while (_queue.Count == 0 && !_stopping)
                {
                    _idle = true;
                    Monitor.Wait(_gate);
                    _idle = false;
                }
                if (_stopping)
                {
                    return;
                }
                work = _queue.Dequeue();
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
                    if (_drainers > 0)
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
            while (_queue.Count > 0)
            {
                _queue.Dequeue().File?.Release();
            }
        }
    }
}
