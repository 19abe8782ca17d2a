namespace ManagedKv.Lsm;

/// <summary>A flush about to write its memtables (told through <see cref="IEventListener.OnFlushBegin"/>).</summary>
/// <param name="ColumnFamilyName">The column family flushed.</param>
/// <param name="MemTables">Immutable memtables the flush writes into one L0 file.</param>
/// <param name="Entries">Entries in those memtables.</param>
/// <param name="SmallestSequence">Smallest sequence number in them.</param>
/// <param name="LargestSequence">Largest sequence number in them.</param>
public sealed record FlushBeginInfo(string ColumnFamilyName, int MemTables, long Entries, ulong SmallestSequence, ulong LargestSequence);
