namespace ManagedKv.Txn;

/// <summary>kvproto <c>GetResponse</c>: 2 error, 3 value, 4 not_found, 7 commit_ts.</summary>
public sealed class GetResponse : TxnResponse
{
    public KeyError? Error { get; set; }

    public byte[] Value { get; set; } = [];

    public bool NotFound { get; set; }

    public ulong CommitTs { get; set; }
}
