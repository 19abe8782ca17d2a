namespace ManagedKv.Txn;

/// <summary>What CheckTxnStatus found and did on the primary.</summary>
internal readonly record struct CheckTxnStatusResult(TxnStatusKind Status, CheckTxnStatusAction Action, ulong LockTtl, ulong CommitTs, Lock? Lock);
