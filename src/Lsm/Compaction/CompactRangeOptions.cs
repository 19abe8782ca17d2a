namespace ManagedKv.Lsm;

/// <summary>Options of <see cref="LsmDb.CompactRange(ColumnFamily, byte[], byte[], CompactRangeOptions)"/> (RocksDB's CompactRangeOptions).</summary>
public sealed class CompactRangeOptions
{
    /// <summary>Whether files of the bottommost level in the range are rewritten too. Default <see cref="BottommostLevelCompaction.IfHaveCompactionFilter"/>.</summary>
    public BottommostLevelCompaction BottommostLevelCompaction { get; set; } = BottommostLevelCompaction.IfHaveCompactionFilter;

    /// <summary>
    /// After compacting, move every file of the level the range ended in to <see cref="TargetLevel"/> (RocksDB's
    /// change_level). The move fails with <see cref="InvalidOperationException"/> when a level between the two (or the
    /// target itself) holds files. Default false.
    /// </summary>
    public bool ChangeLevel { get; set; }

    /// <summary>
    /// With <see cref="ChangeLevel"/>, the level to move to; -1 (default) picks the smallest level above the current
    /// one that is empty, has only empty levels between, and whose size target fits the data. Bounds [-1, NumLevels - 1].
    /// </summary>
    public int TargetLevel { get; set; } = -1;

    /// <summary>
    /// Pause automatic compactions while this manual compaction runs (and wait for running ones first). Default true.
    /// Without it, automatic compactions continue and the manual one waits for the files they hold.
    /// </summary>
    public bool ExclusiveManualCompaction { get; set; } = true;
}
