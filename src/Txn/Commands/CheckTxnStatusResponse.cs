namespace ManagedKv.Txn;

/// <summary>kvproto <c>CheckTxnStatusResponse</c>: 2 error, 3 lock_ttl, 4 commit_version, 5 action, 6 lock_info.</summary>
public sealed class CheckTxnStatusResponse : TxnResponse
{
    public KeyError? Error { get; set; }

    /// <summary>Non-zero while the primary lock lives.</summary>
    public ulong LockTtl { get; set; }

    /// <summary>Non-zero when committed.</summary>
    public ulong CommitVersion { get; set; }

    public CheckTxnStatusAction Action { get; set; }

    /// <summary>The primary lock when it lives (async commit: the caller checks the secondaries).</summary>
    public LockInfo? LockInfo { get; set; }

    /// <summary>Derived status (not a kvproto field): lock_ttl &gt; 0 uncommitted, commit_version &gt; 0 committed, else rolled back.</summary>
    public TxnStatusKind Status { get; set; }
}
