using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>
/// Decides from MVCC table properties whether GC at a safe point can find anything (TiKV's <c>check_need_gc</c>).
/// The properties are per file, so a row whose versions sit in different files counts once per file: a range whose
/// garbage is only such split rows is skipped, and the compaction filter collects it once compaction merges those
/// files (as in TiKV). Stateless.
/// </summary>
public static class MvccGcCheck
{
    /// <summary>TiKV's gc.ratio-threshold default.</summary>
    public const double DefaultRatioThreshold = 1.1;

    /// <summary>
    /// True when the files described by <paramref name="props"/> may hold garbage at <paramref name="safePoint"/>:
    /// something is at or below it, and there are more versions than rows (or than puts) by
    /// <paramref name="ratioThreshold"/>, or any delete, lock or rollback record (each is garbage once below the safe
    /// point). A threshold below 1 always answers true.
    /// </summary>
    public static bool NeedGc(MvccProperties props, ulong safePoint, double ratioThreshold = DefaultRatioThreshold)
    {
        ArgumentNullException.ThrowIfNull(props);
        if (ratioThreshold < 1.0)
        {
            return true;
        }
        if (props.NumVersions == 0 || props.MinTimestamp > safePoint)
        {
            return false;
        }
        return props.NumVersions > props.NumRows * ratioThreshold
            || props.NumVersions > props.NumPuts * ratioThreshold
            || props.NumDeletes + props.NumLocks + props.NumRollbacks > 0;
    }
}
