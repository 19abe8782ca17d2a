namespace ManagedKv.Lsm;

/// <summary>
/// Threads that run the flushes and compactions of one or more DBs (RocksDB's Env thread pools): a high-priority pool
/// for flushes and a low-priority pool for compactions, so a long compaction never delays a flush. Give one instance
/// to several DBs (<see cref="DbOptions.BackgroundJobPool"/>) so a process with a KV engine and a Raft-state engine
/// bounds its background threads; a DB opened without one gets its own, sized by
/// <see cref="DbOptions.MaxBackgroundJobs"/>. Thread-safe. Dispose after every DB using it is disposed.
/// </summary>
/// <remarks>
/// Lock order: a DB's mutex may be held when <see cref="Signal"/> takes <c>_lock</c>; pool threads never hold
/// <c>_lock</c> while they run a job (which takes DB mutexes), so the two never wait on each other.
/// </remarks>
public sealed class BackgroundJobPool : IDisposable
{
    private readonly object _lock = new();
    private readonly Thread[] _threads;
    private LsmDb[] _dbs = [];     // copy-on-write; guarded by _lock for writers, read lock-free
    private long _signals;         // bumped by every Signal; pool threads rescan when it changed
    private bool _disposed;        // guarded by _lock

    /// <summary>Creates the pool and starts its threads.</summary>
    /// <param name="flushThreads">Threads running flushes. Default 1, bounds [1, 64].</param>
    /// <param name="compactionThreads">Threads running compactions. Default 1, bounds [1, 64].</param>
    public BackgroundJobPool(int flushThreads = 1, int compactionThreads = 1)
    {
        if (flushThreads is < 1 or > 64 || compactionThreads is < 1 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(flushThreads), "Each pool needs between 1 and 64 threads.");
        }
        FlushThreads = flushThreads;
        CompactionThreads = compactionThreads;
        _threads = new Thread[flushThreads + compactionThreads];
        for (int i = 0; i < _threads.Length; i++)
        {
            bool flush = i < flushThreads;
            _threads[i] = new Thread(flush ? FlushLoop : CompactionLoop)
            {
                IsBackground = true,
                Name = flush ? "lsm-flush-" + i : "lsm-compaction-" + (i - flushThreads),
            };
            _threads[i].Start();
        }
    }

    /// <summary>Threads running flushes.</summary>
    public int FlushThreads { get; }

    /// <summary>Threads running compactions.</summary>
    public int CompactionThreads { get; }

    internal void Register(LsmDb db)
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var dbs = new LsmDb[_dbs.Length + 1];
            _dbs.CopyTo(dbs, 0);
            dbs[^1] = db;
            Volatile.Write(ref _dbs, dbs);
        }
        Signal();
    }

    /// <summary>Removes a DB; the DB waits for its own running jobs (they see it shutting down).</summary>
    internal void Unregister(LsmDb db)
    {
        lock (_lock)
        {
            Volatile.Write(ref _dbs, Array.FindAll(_dbs, d => !ReferenceEquals(d, db)));
        }
    }

    /// <summary>Tells the pool threads that some DB may have work.</summary>
    internal void Signal()
    {
        Interlocked.Increment(ref _signals);
        lock (_lock)
        {
            Monitor.PulseAll(_lock);
        }
    }

    private void FlushLoop() => Loop(flush: true);

    private void CompactionLoop() => Loop(flush: false);

    private void Loop(bool flush)
    {
        int next = 0; // round-robin start, so one busy DB does not starve the others
        while (true)
        {
            long seen = Interlocked.Read(ref _signals);
            LsmDb[] dbs = Volatile.Read(ref _dbs);
            bool ran = false;
            for (int i = 0; i < dbs.Length; i++)
            {
                LsmDb db = dbs[(next + i) % dbs.Length];
                if (flush ? db.RunOneFlush() : db.RunOneCompaction())
                {
                    ran = true;
                    next = (next + i + 1) % Math.Max(dbs.Length, 1);
                    break;
                }
            }
            if (ran)
            {
                continue;
            }
            lock (_lock)
            {
                while (!_disposed && Interlocked.Read(ref _signals) == seen)
                {
                    Monitor.Wait(_lock);
                }
                if (_disposed)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Stops the threads (after their current job). REQUIRES: every DB using the pool is disposed.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            Monitor.PulseAll(_lock);
        }
        foreach (Thread t in _threads)
        {
            t.Join();
        }
    }
}
