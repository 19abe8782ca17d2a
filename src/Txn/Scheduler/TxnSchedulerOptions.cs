namespace ManagedKv.Txn;

/// <summary>Scheduler settings.</summary>
public sealed class TxnSchedulerOptions
{
    /// <summary>Latch slots, a power of two. Default 4096 (TiKV: scheduler-concurrency 524288; fewer suffice in process).</summary>
    public int LatchSlots { get; set; } = 4096;

    /// <summary>
    /// Bytes of write commands admitted but not finished above which new write commands get ServerIsBusy (TiKV's
    /// scheduler-pending-write-threshold). Default 100 MiB; a single command larger than the quota is still admitted
    /// when nothing else is pending.
    /// </summary>
    public long PendingWriteQuotaBytes { get; set; } = 100L << 20;

    /// <summary>Back-off advised in ServerIsBusy, in ms. Default 10.</summary>
    public ulong BusyBackoffMs { get; set; } = 10;
}
