namespace ManagedKv.Txn;

/// <summary>kvproto <c>PrewriteRequest</c>.</summary>
public sealed class PrewriteRequest
{
    /// <summary>2 mutations.</summary>
    public Mutation[] Mutations { get; init; } = [];

    /// <summary>3 primary_lock.</summary>
    public byte[] PrimaryLock { get; init; } = [];

    /// <summary>4 start_version.</summary>
    public ulong StartVersion { get; init; }

    /// <summary>5 lock_ttl (ms).</summary>
    public ulong LockTtl { get; init; }

    /// <summary>6 skip_constraint_check.</summary>
    public bool SkipConstraintCheck { get; init; }

    /// <summary>7 pessimistic_actions, one per mutation (empty for an optimistic transaction).</summary>
    public PessimisticAction[] PessimisticActions { get; init; } = [];

    /// <summary>8 txn_size.</summary>
    public ulong TxnSize { get; init; }

    /// <summary>9 for_update_ts (non-zero: pessimistic transaction).</summary>
    public ulong ForUpdateTs { get; init; }

    /// <summary>10 min_commit_ts.</summary>
    public ulong MinCommitTs { get; init; }

    /// <summary>11 use_async_commit.</summary>
    public bool UseAsyncCommit { get; init; }

    /// <summary>12 secondaries (async commit, sent with the primary).</summary>
    public byte[][] Secondaries { get; init; } = [];

    /// <summary>13 try_one_pc.</summary>
    public bool TryOnePc { get; init; }

    /// <summary>14 max_commit_ts (0 = unbounded).</summary>
    public ulong MaxCommitTs { get; init; }
}
