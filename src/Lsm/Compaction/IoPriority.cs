namespace ManagedKv.Lsm;

/// <summary>Priority of background writes at a <see cref="RateLimiter"/>.</summary>
public enum IoPriority
{
    /// <summary>Compaction writes.</summary>
    Low = 0,

    /// <summary>Flush writes: served first (see the fairness of <see cref="RateLimiter"/>).</summary>
    High = 1,
}
