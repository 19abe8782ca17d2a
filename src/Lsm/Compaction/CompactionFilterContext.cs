namespace ManagedKv.Lsm;

/// <summary>What a compaction filter factory knows about the compaction it creates a filter for.</summary>
/// <param name="IsFullCompaction">The compaction reads every file of the column family.</param>
/// <param name="IsManualCompaction">The compaction was requested by CompactRange.</param>
/// <param name="IsBottommostLevel">No level below the output holds keys in the compaction's key range, so removed
/// values are dropped without a deletion marker.</param>
/// <param name="StartLevel">The level the compaction's first inputs come from.</param>
/// <param name="OutputLevel">The level the compaction writes.</param>
/// <param name="ColumnFamilyId">The column family's id.</param>
/// <param name="ColumnFamilyName">The column family's name.</param>
public sealed record CompactionFilterContext(bool IsFullCompaction, bool IsManualCompaction, bool IsBottommostLevel,
    int StartLevel, int OutputLevel, uint ColumnFamilyId, string ColumnFamilyName)
{
    /// <summary>
    /// The table properties of every input file (user-collected properties included), so a factory can decide that a
    /// compaction has nothing for it and return no filter — TiKV's GC filter skips files whose MVCC properties show
    /// nothing to collect.
    /// </summary>
    public IReadOnlyList<TableProperties> InputTableProperties { get; init; } = [];
}
