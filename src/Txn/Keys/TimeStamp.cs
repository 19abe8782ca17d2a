using System.Runtime.CompilerServices;

namespace ManagedKv.Txn;

/// <summary>
/// Helpers for PD-style hybrid timestamps: a 64-bit value <c>physical_ms &lt;&lt; 18 | logical</c> (TSO). Timestamps
/// cross every API as <c>ulong</c>, exactly as kvproto's <c>uint64</c> version fields. Stateless and thread-safe.
/// </summary>
public static class TimeStamp
{
    /// <summary>Bits of the logical counter (PD's TSO uses 18).</summary>
    public const int LogicalBits = 18;

    /// <summary>The zero timestamp: "unset" in every request field.</summary>
    public const ulong Zero = 0;

    /// <summary>The largest timestamp; a read at <see cref="Max"/> reads the latest committed data.</summary>
    public const ulong Max = ulong.MaxValue;

    /// <summary>Composes a timestamp from unix milliseconds and a logical counter.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Compose(long physicalMs, long logical) =>
        ((ulong)physicalMs << LogicalBits) | ((ulong)logical & ((1UL << LogicalBits) - 1));

    /// <summary>The physical part in unix milliseconds.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Physical(ulong ts) => (long)(ts >> LogicalBits);

    /// <summary>The logical part.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Logical(ulong ts) => (long)(ts & ((1UL << LogicalBits) - 1));

    /// <summary>The next timestamp (saturating at <see cref="Max"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Next(ulong ts) => ts == Max ? Max : ts + 1;

    /// <summary>The previous timestamp (saturating at <see cref="Zero"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Prev(ulong ts) => ts == Zero ? Zero : ts - 1;

    /// <summary>
    /// True when a lock started at <paramref name="lockTs"/> with <paramref name="ttlMs"/> has expired as of
    /// <paramref name="currentTs"/>: TiKV compares the physical parts, <c>physical(lockTs) + ttl &lt; physical(currentTs)</c>.
    /// </summary>
    public static bool IsExpired(ulong lockTs, ulong ttlMs, ulong currentTs) =>
        (ulong)Physical(lockTs) + ttlMs < (ulong)Physical(currentTs);
}
