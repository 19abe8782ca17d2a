namespace ManagedKv.Lsm;

/// <summary>
/// Creates a compaction filter for each compaction of a column family (RocksDB's CompactionFilterFactory), set as
/// <see cref="ColumnFamilyOptions.CompactionFilterFactory"/>. Called from background compaction threads and from
/// threads running CompactRange, possibly concurrently: implementations must be thread-safe.
/// </summary>
public interface ICompactionFilterFactory
{
    /// <summary>A name for logs and diagnostics.</summary>
    string Name { get; }

    /// <summary>A filter for the compaction described by <paramref name="context"/>, or null to filter nothing in it.</summary>
    ICompactionFilter? CreateCompactionFilter(CompactionFilterContext context);
}
