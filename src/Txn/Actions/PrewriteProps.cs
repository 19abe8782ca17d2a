namespace ManagedKv.Txn;

/// <summary>The per-transaction part of a prewrite, shared by all its mutations. Immutable during a command.</summary>
internal sealed class PrewriteProps
{
    public required ulong StartTs { get; init; }

    public required byte[] Primary { get; init; }

    public ulong LockTtl { get; init; }

    public ulong TxnSize { get; init; }

    /// <summary>Non-zero for a pessimistic transaction.</summary>
    public ulong ForUpdateTs { get; init; }

    public ulong MinCommitTs { get; init; }

    /// <summary>0 = unbounded.</summary>
    public ulong MaxCommitTs { get; init; }

    public bool UseAsyncCommit { get; init; }

    public bool TryOnePc { get; init; }

    public byte[][] Secondaries { get; init; } = [];

    public bool SkipConstraintCheck { get; init; }

    public bool IsPessimistic => ForUpdateTs != 0;

    /// <summary>Async commit and 1PC both compute min_commit_ts from the concurrency manager.</summary>
    public bool ComputesCommitTs => UseAsyncCommit || TryOnePc;
}
