namespace ManagedKv.Txn;

/// <summary>kvproto <c>BatchRollbackResponse</c>: 2 error.</summary>
public sealed class BatchRollbackResponse : TxnResponse
{
    public KeyError? Error { get; set; }
}
