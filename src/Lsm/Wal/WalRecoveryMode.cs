namespace ManagedKv.Lsm;

/// <summary>
/// How WAL replay treats damaged records (RocksDB's WALRecoveryMode names and semantics).
/// "Tail" below means: no valid physical record follows the damage anywhere in the file (a torn last write,
/// or the zero-filled preallocated space of a memory-mapped log, which is never an error in any mode).
/// </summary>
public enum WalRecoveryMode
{
    /// <summary>
    /// Default. An incomplete or corrupt record at the tail of a log is dropped silently (it was never
    /// acknowledged, or only acknowledged without sync before a machine crash); damage followed by valid data
    /// is a <see cref="CorruptionException"/>.
    /// </summary>
    TolerateCorruptedTailRecords = 0,

    /// <summary>Any damage, including a torn tail, is a <see cref="CorruptionException"/>.</summary>
    AbsoluteConsistency = 1,

    /// <summary>
    /// Replay stops at the first damage wherever it is; everything before it is kept, nothing after it is
    /// replayed (a consistent prefix of the writes). TiKV's kv engine default.
    /// </summary>
    PointInTimeRecovery = 2,

    /// <summary>Damaged records are skipped and replay goes on (salvage mode: may lose writes in the middle).</summary>
    SkipAnyCorruptedRecords = 3,
}
