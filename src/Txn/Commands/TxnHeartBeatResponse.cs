namespace ManagedKv.Txn;

/// <summary>kvproto <c>TxnHeartBeatResponse</c>: 2 error, 3 lock_ttl.</summary>
public sealed class TxnHeartBeatResponse : TxnResponse
{
    public KeyError? Error { get; set; }

    public ulong LockTtl { get; set; }
}
