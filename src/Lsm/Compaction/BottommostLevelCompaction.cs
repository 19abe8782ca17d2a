namespace ManagedKv.Lsm;

/// <summary>Whether CompactRange also rewrites the files of the bottommost level (RocksDB's BottommostLevelCompaction).</summary>
public enum BottommostLevelCompaction
{
    /// <summary>Never rewrite the bottommost level.</summary>
    Skip,

    /// <summary>Rewrite it only when the column family has a compaction filter (so the filter sees every value). The default.</summary>
    IfHaveCompactionFilter,

    /// <summary>Always rewrite it, including files this CompactRange itself just wrote there.</summary>
    Force,

    /// <summary>Always rewrite it, but skip files this CompactRange itself wrote (they were just compacted).</summary>
    ForceOptimized,
}
