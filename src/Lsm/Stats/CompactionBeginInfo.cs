namespace ManagedKv.Lsm;

/// <summary>A compaction (or trivial move) about to run (told through <see cref="IEventListener.OnCompactionBegin"/>).</summary>
/// <param name="ColumnFamilyName">The column family compacted.</param>
/// <param name="BaseInputLevel">The level of the first inputs.</param>
/// <param name="OutputLevel">The level written.</param>
/// <param name="Reason">Why it runs ("L0 file count", "L3 size", "manual", "manual bottommost").</param>
/// <param name="IsTrivialMove">Files are moved without rewriting.</param>
/// <param name="IsManualCompaction">Requested by CompactRange.</param>
/// <param name="InputFiles">Numbers of the input files (start level, then output level).</param>
/// <param name="InputBytes">Bytes of the input files.</param>
public sealed record CompactionBeginInfo(string ColumnFamilyName, int BaseInputLevel, int OutputLevel, string Reason, bool IsTrivialMove,
    bool IsManualCompaction, ulong[] InputFiles, long InputBytes);
