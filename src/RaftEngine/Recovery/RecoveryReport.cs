namespace ManagedKv.RaftEngine;

/// <summary>What <see cref="RaftLogEngine.Open"/> found while rebuilding the index. Immutable.</summary>
public sealed class RecoveryReport
{
    internal RecoveryReport(int files, long bytes, long batches, IReadOnlyList<CorruptedRange> dropped, TimeSpan elapsed)
    {
        FilesScanned = files;
        BytesScanned = bytes;
        BatchesReplayed = batches;
        DroppedRanges = dropped;
        Elapsed = elapsed;
    }

    /// <summary>Log files read.</summary>
    public int FilesScanned { get; }

    /// <summary>Bytes of log files read.</summary>
    public long BytesScanned { get; }

    /// <summary>Batches applied to the index.</summary>
    public long BatchesReplayed { get; }

    /// <summary>Torn tails cut off (TolerateTailCorruption) and batches skipped (TolerateAnyCorruption).</summary>
    public IReadOnlyList<CorruptedRange> DroppedRanges { get; }

    /// <summary>Wall time of the scan and replay.</summary>
    public TimeSpan Elapsed { get; }
}
