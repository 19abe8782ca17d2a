namespace ManagedKv.Txn;

/// <summary>
/// Result of <see cref="MvccReader.GetTxnCommitRecord"/>. For <see cref="TxnCommitRecordKind.None"/>,
/// <see cref="OverlappedWrite"/> is another transaction's commit record sitting at commit_ts == start_ts (a rollback
/// must then set its overlapped flag instead of overwriting it).
/// </summary>
internal readonly record struct TxnCommitRecord(TxnCommitRecordKind Kind, ulong CommitTs, Write? Record, Write? OverlappedWrite)
{
    public bool IsCommitted => Kind == TxnCommitRecordKind.Committed;

    public bool IsRolledBack => Kind is TxnCommitRecordKind.RolledBack or TxnCommitRecordKind.OverlappedRollback;
}
