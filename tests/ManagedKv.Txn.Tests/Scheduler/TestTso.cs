namespace ManagedKv.Txn.Tests.Scheduler;

/// <summary>A PD-like TSO: physical = wall-clock ms, strictly increasing.</summary>
public sealed class TestTso
{
    private long _last;

    public ulong Next()
    {
        while (true)
        {
            long last = Interlocked.Read(ref _last);
            long now = (long)TimeStamp.Compose(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), 0);
            long next = Math.Max(last + 1, now);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return (ulong)next;
            }
        }
    }
}
