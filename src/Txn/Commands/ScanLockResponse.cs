namespace ManagedKv.Txn;

/// <summary>kvproto <c>ScanLockResponse</c>: 2 error, 3 locks.</summary>
public sealed class ScanLockResponse : TxnResponse
{
    public KeyError? Error { get; set; }

    public List<LockInfo> Locks { get; } = new();
}
