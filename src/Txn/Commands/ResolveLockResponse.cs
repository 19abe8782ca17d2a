namespace ManagedKv.Txn;

/// <summary>kvproto <c>ResolveLockResponse</c>: 2 error.</summary>
public sealed class ResolveLockResponse : TxnResponse
{
    public KeyError? Error { get; set; }
}
