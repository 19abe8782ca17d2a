namespace ManagedKv.Lsm;

/// <summary>Why an SST is being written (RocksDB's TableFileCreationReason).</summary>
public enum TableFileCreationReason
{
    /// <summary>A memtable flush (also the flush of WAL contents during open).</summary>
    Flush = 0,

    /// <summary>A compaction output.</summary>
    Compaction = 1,

    /// <summary>A file written by <c>SstFileWriter</c> for ingestion.</summary>
    External = 2,
}
