namespace ManagedKv.RaftEngine;

/// <summary>A byte range that recovery dropped: skipped batches, or a torn tail that was cut off.</summary>
/// <param name="FilePath">The log file.</param>
/// <param name="Offset">Where the bad data starts.</param>
/// <param name="Length">How many bytes were dropped.</param>
/// <param name="Reason">Which check failed.</param>
public readonly record struct CorruptedRange(string FilePath, long Offset, long Length, string Reason);
