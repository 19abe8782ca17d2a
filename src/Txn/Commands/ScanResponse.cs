namespace ManagedKv.Txn;

/// <summary>kvproto <c>ScanResponse</c>: 2 pairs (a locked key is a pair with an error), 3 error.</summary>
public sealed class ScanResponse : TxnResponse
{
    public List<KvPair> Pairs { get; } = new();

    public KeyError? Error { get; set; }
}
