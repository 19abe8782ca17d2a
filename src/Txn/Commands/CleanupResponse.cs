namespace ManagedKv.Txn;

/// <summary>kvproto <c>CleanupResponse</c>: 2 error, 3 commit_version (set when the transaction committed).</summary>
public sealed class CleanupResponse : TxnResponse
{
    public KeyError? Error { get; set; }

    public ulong CommitVersion { get; set; }
}
