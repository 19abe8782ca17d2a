namespace ManagedKv.Lsm;

/// <summary>One engine entry as an MVCC layer sees it: which row, which timestamp, what kind.</summary>
/// <param name="RowKeyLength">Bytes of the engine key that name the row (the key without its timestamp suffix).</param>
/// <param name="Timestamp">The version's timestamp (commit ts for TiKV's write CF).</param>
/// <param name="Kind">What the version is.</param>
public readonly record struct MvccEntry(int RowKeyLength, ulong Timestamp, MvccEntryKind Kind);
