namespace ManagedKv.Txn;

/// <summary>kvproto <c>PessimisticLockRequest</c>.</summary>
public sealed class PessimisticLockRequest
{
    /// <summary>2 mutations (op PessimisticLock; Insert-like checks via <see cref="CheckExistence"/> are not used).</summary>
    public Mutation[] Mutations { get; init; } = [];

    /// <summary>3 primary_lock.</summary>
    public byte[] PrimaryLock { get; init; } = [];

    /// <summary>4 start_version.</summary>
    public ulong StartVersion { get; init; }

    /// <summary>5 lock_ttl.</summary>
    public ulong LockTtl { get; init; }

    /// <summary>6 for_update_ts.</summary>
    public ulong ForUpdateTs { get; init; }

    /// <summary>8 wait_timeout in ms: 0 or negative = fail fast on a lock.</summary>
    public long WaitTimeout { get; init; }

    /// <summary>10 return_values.</summary>
    public bool ReturnValues { get; init; }

    /// <summary>11 min_commit_ts.</summary>
    public ulong MinCommitTs { get; init; }

    /// <summary>12 check_existence.</summary>
    public bool CheckExistence { get; init; }
}
