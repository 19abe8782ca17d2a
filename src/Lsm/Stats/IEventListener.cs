namespace ManagedKv.Lsm;

/// <summary>
/// Told of background events. Called on the background thread that did the work, with the DB mutex held: keep
/// handlers short and never call back into the DB from them.
/// </summary>
public interface IEventListener
{
    /// <summary>A flush is about to write its memtables.</summary>
    void OnFlushBegin(FlushBeginInfo info) { }

    void OnFlushCompleted(FlushJobInfo info) { }

    /// <summary>A compaction or trivial move is about to run.</summary>
    void OnCompactionBegin(CompactionBeginInfo info) { }

    void OnCompactionCompleted(CompactionJobInfo info) { }

    void OnStallConditionsChanged(WriteStallInfo info) { }

    void OnBackgroundError(BackgroundErrorInfo info) { }
}

/// <summary>A finished flush.</summary>
public sealed record FlushJobInfo(string ColumnFamilyName, ulong FileNumber, string FilePath, long BytesWritten, long Entries, TimeSpan Duration, TableProperties? TableProperties);

/// <summary>A finished compaction (or trivial move).</summary>
public sealed record CompactionJobInfo(string ColumnFamilyName, int BaseInputLevel, int OutputLevel, string Reason, bool IsTrivialMove,
    ulong[] InputFiles, ulong[] OutputFiles, long BytesRead, long BytesWritten, long EntriesIn, long EntriesDropped, TimeSpan Duration)
{
    /// <summary>Requested by CompactRange.</summary>
    public bool IsManualCompaction { get; init; }

    /// <summary>Properties of the output files, in the order of <see cref="OutputFiles"/> (empty for a trivial move).</summary>
    public IReadOnlyList<TableProperties> OutputTableProperties { get; init; } = [];

    /// <summary>Values the compaction filter removed.</summary>
    public long EntriesRemovedByFilter { get; init; }

    /// <summary>Values the compaction filter changed.</summary>
    public long EntriesChangedByFilter { get; init; }
}

/// <summary>Write stall states.</summary>
public enum WriteStallCondition
{
    Normal,
    Delayed,
    Stopped,
}

/// <summary>The write-stall state changed.</summary>
public sealed record WriteStallInfo(WriteStallCondition Condition);

/// <summary>A background job failed; the DB refuses writes until reopened.</summary>
public sealed record BackgroundErrorInfo(string Job, Exception Error);
