namespace ManagedKv.Txn;

/// <summary>kvproto <c>kvrpcpb.LockInfo</c>: the lock a reader or writer met (property names follow the fields).</summary>
public sealed class LockInfo
{
    /// <summary>1 primary_lock.</summary>
    public byte[] PrimaryLock { get; init; } = [];

    /// <summary>2 lock_version: the lock's start_ts.</summary>
    public ulong LockVersion { get; init; }

    /// <summary>3 key (raw).</summary>
    public byte[] Key { get; init; } = [];

    /// <summary>4 lock_ttl in milliseconds.</summary>
    public ulong LockTtl { get; init; }

    /// <summary>5 txn_size.</summary>
    public ulong TxnSize { get; init; }

    /// <summary>6 lock_type.</summary>
    public MutationOp LockType { get; init; }

    /// <summary>7 lock_for_update_ts.</summary>
    public ulong LockForUpdateTs { get; init; }

    /// <summary>8 use_async_commit.</summary>
    public bool UseAsyncCommit { get; init; }

    /// <summary>9 min_commit_ts.</summary>
    public ulong MinCommitTs { get; init; }

    /// <summary>10 secondaries (raw keys).</summary>
    public byte[][] Secondaries { get; init; } = [];

    public override string ToString() =>
        $"LockInfo(key={Convert.ToHexString(Key)}, primary={Convert.ToHexString(PrimaryLock)}, version={LockVersion}, ttl={LockTtl}, type={LockType}, min_commit_ts={MinCommitTs})";
}
