namespace ManagedKv.Txn;

/// <summary>Outcome of CheckTxnStatus on a primary key.</summary>
public enum TxnStatusKind
{
    /// <summary>The primary lock is alive (see lock_ttl, and lock_info for async commit).</summary>
    Uncommitted,

    /// <summary>The transaction committed (see commit_version).</summary>
    Committed,

    /// <summary>The transaction is rolled back (now or earlier).</summary>
    RolledBack,
}
