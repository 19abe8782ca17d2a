namespace ManagedKv.Txn;

/// <summary>
/// The GC safe point the compaction filter collects below (TiKV's <c>GcSafePointProvider</c>). The owner (the Node,
/// from PD's service safe point; a test, directly) advances it; it never moves back, since PD guarantees that no
/// transaction reads below a published safe point. 0 means "not known yet": the compaction filter stays off.
/// Thread-safe: read by compaction threads, advanced by anyone.
/// </summary>
public sealed class GcSafePointProvider
{
    private ulong _safePoint;

    /// <summary>The current safe point (a TSO); 0 until the first <see cref="Advance"/>.</summary>
    public ulong SafePoint => Volatile.Read(ref _safePoint);

    /// <summary>Moves the safe point up to <paramref name="safePoint"/>; false (and no change) when it is not newer.</summary>
    public bool Advance(ulong safePoint)
    {
        ulong current = Volatile.Read(ref _safePoint);
        while (safePoint > current)
        {
            ulong seen = Interlocked.CompareExchange(ref _safePoint, safePoint, current);
            if (seen == current)
            {
                return true;
            }
            current = seen;
        }
        return false;
    }
}
