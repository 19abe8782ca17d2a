namespace ManagedKv.Txn;

/// <summary>kvproto <c>PessimisticLockResponse</c>: 2 errors, 5 values, 6 not_founds.</summary>
public sealed class PessimisticLockResponse : TxnResponse
{
    public List<KeyError> Errors { get; } = new();

    public List<byte[]> Values { get; } = new();

    public List<bool> NotFounds { get; } = new();
}
