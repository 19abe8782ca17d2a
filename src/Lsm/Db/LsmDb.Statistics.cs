namespace ManagedKv.Lsm;

// DB statistics, the shared rate limiter and test hooks.
public sealed partial class LsmDb
{
    private readonly LsmStatistics _statistics;
    private readonly RateLimiter? _rateLimiter;

    /// <summary>The counters of this DB (shared with other DBs when <see cref="DbOptions.Statistics"/> was given).</summary>
    public LsmStatistics Statistics => _statistics;

    /// <summary>The rate limiter flushes and compactions are charged to, or null.</summary>
    internal RateLimiter? RateLimiter => _rateLimiter;

    /// <summary>
    /// Test hook: called with (output level, file number) before every SST a flush or compaction opens; throwing from it
    /// fails the job as a failed write would.
    /// </summary>
    internal Action<int, ulong>? TableOutputFaultHook { get; set; }
}
