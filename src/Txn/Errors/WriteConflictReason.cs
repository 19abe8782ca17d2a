namespace ManagedKv.Txn;

/// <summary>kvproto <c>WriteConflict.Reason</c>.</summary>
public enum WriteConflictReason
{
    Unknown = 0,
    Optimistic = 1,
    PessimisticRetry = 2,
    SelfRolledBack = 3,
    RcCheckTs = 4,
    LazyUniquenessCheck = 5,
    NotLockedKeyConflict = 6,
}
