namespace ManagedKv.Txn;

/// <summary>kvproto <c>BatchGetResponse</c>: 2 pairs (absent keys omitted; a locked key is a pair with an error), 5 error.</summary>
public sealed class BatchGetResponse : TxnResponse
{
    public List<KvPair> Pairs { get; } = new();

    public KeyError? Error { get; set; }
}
