namespace ManagedKv.Txn;

/// <summary>
/// Lets a PessimisticLock that met another transaction's lock wait (up to its wait_timeout) until some command
/// releases locks, then retry. A release bumps <see cref="Version"/>; a waiter that read the version before its
/// attempt sleeps only while the version is unchanged, so no wake-up is lost. Thread-safe.
/// </summary>
internal sealed class LockWaitSignal
{
    private readonly object _sync = new();
    private long _version;
    private int _waiters;

    public long Version => Interlocked.Read(ref _version);

    /// <summary>Called after a batch that removed locks was written.</summary>
    public void Notify()
    {
        Interlocked.Increment(ref _version);
        if (Volatile.Read(ref _waiters) > 0)
        {
            lock (_sync)
            {
                Monitor.PulseAll(_sync);
            }
        }
    }

    /// <summary>Waits until the version differs from <paramref name="seen"/> or the timeout passes; true when it changed.</summary>
    public bool Wait(long seen, TimeSpan timeout)
    {
        lock (_sync)
        {
            Interlocked.Increment(ref _waiters);
            try
            {
                long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
                while (Interlocked.Read(ref _version) == seen)
                {
                    long remaining = deadline - Environment.TickCount64;
                    if (remaining <= 0)
                    {
                        return false;
                    }
                    Monitor.Wait(_sync, (int)Math.Min(remaining, int.MaxValue));
                }
                return true;
            }
            finally
            {
                Interlocked.Decrement(ref _waiters);
            }
        }
    }
}
