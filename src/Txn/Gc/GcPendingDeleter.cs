using System.Globalization;

namespace ManagedKv.Txn;

/// <summary>
/// Applies GC pending-delete files (FORMAT.md §8) to the engine on its own thread: deletes the listed <c>default</c>
/// CF values with a synced write, GCs the listed delete-marked keys explicitly, then deletes the file. Files left by a
/// crash are applied by <see cref="ReplayAll"/> at open. Applying a file twice is harmless (deletes and GC are
/// idempotent), so a crash anywhere loses nothing. Thread-safe; the queue is guarded by <c>_queue</c>.
/// </summary>
/// <remarks>
/// The compaction thread only writes a file; it never writes to the LSM, because a write can stall until compaction
/// catches up (L0 stop trigger) and would then wait on itself.
/// </remarks>
internal sealed class GcPendingDeleter : IDisposable
{
    private const int BatchSize = 1024;

    private readonly string _directory;
    private readonly LsmKvEngine _engine;
    private readonly Queue<string> _queue = new(); // guarded by itself
    private readonly Thread _thread;
    private long _nextNumber; // Interlocked
    private bool _busy; // guarded by _queue: a file is being applied
    private bool _stopping; // guarded by _queue
    private long _valuesDeleted;
    private long _filesApplied;
    private Exception? _lastError;

    public GcPendingDeleter(string directory, LsmKvEngine engine)
    {
        _directory = directory;
        _engine = engine;
        System.IO.Directory.CreateDirectory(directory);
        long max = 0;
        foreach (string file in System.IO.Directory.EnumerateFiles(directory))
        {
            if (long.TryParse(Path.GetFileNameWithoutExtension(file), NumberStyles.None, CultureInfo.InvariantCulture, out long n))
            {
                max = Math.Max(max, n);
            }
        }
        _nextNumber = max;
        _thread = new Thread(Loop) { IsBackground = true, Name = "txn-gc-deleter" };
    }

    /// <summary>Default CF values deleted so far (including replays).</summary>
    public long ValuesDeleted => Interlocked.Read(ref _valuesDeleted);

    /// <summary>Files applied and removed so far.</summary>
    public long FilesApplied => Interlocked.Read(ref _filesApplied);

    /// <summary>The last failure of a background apply (the file stays and is replayed at the next open), or null.</summary>
    public Exception? LastError => Volatile.Read(ref _lastError);

    /// <summary>A fresh file number for a compaction's pending file.</summary>
    public long NextFileNumber() => Interlocked.Increment(ref _nextNumber);

    public string Directory => _directory;

    /// <summary>
    /// Deletes unfinished <c>.tmp</c> files (their compactions never installed) and applies every committed file, in
    /// order, on the calling thread; then starts the background thread.
    /// </summary>
    public void ReplayAll()
    {
        var files = new List<string>();
        foreach (string file in System.IO.Directory.EnumerateFiles(_directory))
        {
            if (file.EndsWith(GcPendingFormat.TempExtension, StringComparison.Ordinal))
            {
                File.Delete(file);
            }
            else if (file.EndsWith(GcPendingFormat.Extension, StringComparison.Ordinal))
            {
                files.Add(file);
            }
        }
        files.Sort(StringComparer.Ordinal);
        foreach (string file in files)
        {
            Apply(file);
        }
        _thread.Start();
    }

    /// <summary>Queues a committed file for the background thread.</summary>
    public void Enqueue(string path)
    {
        lock (_queue)
        {
            _queue.Enqueue(path);
            Monitor.PulseAll(_queue);
        }
    }

    /// <summary>Waits until every queued file has been applied (or failed).</summary>
    public void WaitIdle()
    {
        lock (_queue)
        {
            while ((_queue.Count > 0 || _busy) && !_stopping)
            {
                Monitor.Wait(_queue);
            }
        }
    }

    /// <summary>Stops the thread after the file in progress; queued files stay on disk for the next open.</summary>
    public void Dispose()
    {
        lock (_queue)
        {
            _stopping = true;
            Monitor.PulseAll(_queue);
        }
        if (_thread.IsAlive)
        {
            _thread.Join();
        }
    }

    private void Loop()
    {
        while (true)
        {
            string path;
            lock (_queue)
            {
                while (_queue.Count == 0 && !_stopping)
                {
                    Monitor.Wait(_queue);
                }
                if (_stopping)
                {
                    return;
                }
                path = _queue.Dequeue();
                _busy = true;
            }
            try
            {
                Apply(path);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
                // The engine failed or is closing; the file stays and is replayed at the next open.
                Volatile.Write(ref _lastError, e);
            }
            finally
            {
                lock (_queue)
                {
                    _busy = false;
                    Monitor.PulseAll(_queue);
                }
            }
        }
    }

    private void Apply(string path)
    {
        GcPendingFile file = GcPendingFile.Read(path);
        var batch = new KvWriteBatch(16 << 10);
        foreach (byte[] key in file.DefaultCfKeys)
        {
            batch.Delete(EngineCf.Default, key);
            if (batch.Count >= BatchSize)
            {
                _engine.Write(batch, sync: true);
                batch.Clear();
            }
        }
        _engine.Write(batch, sync: true);
        Interlocked.Add(ref _valuesDeleted, file.DefaultCfKeys.Count);
        foreach (byte[] key in file.MvccDeletions)
        {
            byte[] end = new byte[key.Length + 1]; // the next raw key: exactly the versions of key
            key.CopyTo(end, 0);
            GcRunner.Gc(_engine, file.SafePoint, key, end, skipByProperties: false); // a delete mark is known to be there
        }
        File.Delete(path);
        Interlocked.Increment(ref _filesApplied);
    }
}
