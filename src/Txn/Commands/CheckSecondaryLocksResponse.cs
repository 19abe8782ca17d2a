namespace ManagedKv.Txn;

/// <summary>kvproto <c>CheckSecondaryLocksResponse</c>: 2 error, 3 locks, 4 commit_ts. Committed: commit_ts &gt; 0; rolled back: no locks and commit_ts 0; otherwise every key is locked.</summary>
public sealed class CheckSecondaryLocksResponse : TxnResponse
{
    public KeyError? Error { get; set; }

    public List<LockInfo> Locks { get; } = new();

    public ulong CommitTs { get; set; }
}
