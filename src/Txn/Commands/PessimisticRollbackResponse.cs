namespace ManagedKv.Txn;

/// <summary>kvproto <c>PessimisticRollbackResponse</c>: 2 errors.</summary>
public sealed class PessimisticRollbackResponse : TxnResponse
{
    public List<KeyError> Errors { get; } = new();
}
