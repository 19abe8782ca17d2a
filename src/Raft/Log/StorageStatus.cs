namespace ManagedKv.Raft;

/// <summary>The outcome of a storage read: an expected condition, not an error.</summary>
public enum StorageStatus
{
    /// <summary>The read succeeded.</summary>
    Ok = 0,
    /// <summary>The requested index is older than the first available index (compacted into a snapshot).</summary>
    Compacted = 1,
    /// <summary>The requested index is past the last index.</summary>
    Unavailable = 2,
    /// <summary>A snapshot is being generated; ask again later.</summary>
    SnapshotTemporarilyUnavailable = 3,
}
