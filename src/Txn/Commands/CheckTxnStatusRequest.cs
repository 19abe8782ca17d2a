namespace ManagedKv.Txn;

/// <summary>kvproto <c>CheckTxnStatusRequest</c>.</summary>
public sealed class CheckTxnStatusRequest
{
    /// <summary>2 primary_key.</summary>
    public byte[] PrimaryKey { get; init; } = [];

    /// <summary>3 lock_ts: start_ts of the transaction checked.</summary>
    public ulong LockTs { get; init; }

    /// <summary>4 caller_start_ts: the lock min_commit_ts is pushed past it (0 or max: no push).</summary>
    public ulong CallerStartTs { get; init; }

    /// <summary>5 current_ts: decides TTL expiry.</summary>
    public ulong CurrentTs { get; init; }

    /// <summary>6 rollback_if_not_exist.</summary>
    public bool RollbackIfNotExist { get; init; }

    /// <summary>7 force_sync_commit.</summary>
    public bool ForceSyncCommit { get; init; }

    /// <summary>8 resolving_pessimistic_lock.</summary>
    public bool ResolvingPessimisticLock { get; init; }
}
