namespace ManagedKv.Txn;

/// <summary>kvproto <c>CheckTxnStatusResponse.Action</c>.</summary>
public enum CheckTxnStatusAction
{
    NoAction = 0,
    TtlExpireRollback = 1,
    LockNotExistRollback = 2,
    MinCommitTsPushed = 3,
    TtlExpirePessimisticRollback = 4,
    LockNotExistDoNothing = 5,
}
