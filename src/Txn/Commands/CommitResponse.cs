namespace ManagedKv.Txn;

/// <summary>kvproto <c>CommitResponse</c>: 2 error, 3 commit_version.</summary>
public sealed class CommitResponse : TxnResponse
{
    public KeyError? Error { get; set; }

    public ulong CommitVersion { get; set; }
}
