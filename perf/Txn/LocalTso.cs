using ManagedKv.Txn;

namespace ManagedKv.Perf.Txn;

/// <summary>A PD-style timestamp oracle in one process: physical milliseconds and a logical counter, strictly increasing. Thread-safe.</summary>
internal sealed class LocalTso
{
    private long _last = (long)TimeStamp.Compose(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0);

    public ulong Next()
    {
        long now = (long)TimeStamp.Compose(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0);
        while (true)
        {
            long last = Volatile.Read(ref _last);
            long next = Math.Max(now, last + 1);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return (ulong)next;
            }
        }
    }
}
