namespace ManagedKv.Lsm;

/// <summary>What an MVCC decoder says an entry is (TiKV's write types, plus tombstones of the engine).</summary>
public enum MvccEntryKind
{
    /// <summary>A committed put.</summary>
    Put = 0,

    /// <summary>A committed delete.</summary>
    Delete = 1,

    /// <summary>A lock record (TiKV's write type Lock).</summary>
    Lock = 2,

    /// <summary>A rollback record.</summary>
    Rollback = 3,

    /// <summary>Anything else the decoder recognises but does not classify.</summary>
    Other = 4,
}
