namespace ManagedKv.Txn;

/// <summary>What the write CF says about one transaction on one key.</summary>
internal enum TxnCommitRecordKind
{
    /// <summary>No commit or rollback record of the transaction.</summary>
    None,

    /// <summary>A commit record (Put/Delete/Lock) with the transaction's start_ts.</summary>
    Committed,

    /// <summary>A rollback record at start_ts.</summary>
    RolledBack,

    /// <summary>Another transaction's commit record at commit_ts == start_ts carries the rollback flag.</summary>
    OverlappedRollback,
}
