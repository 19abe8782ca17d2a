namespace ManagedKv.Txn;

/// <summary>CheckTxnStatus was sent to a key whose lock names another primary (KeyError 11 <c>primary_mismatch</c>).</summary>
public sealed class PrimaryMismatch(LockInfo lockInfo) : KeyError
{
    /// <summary>1 lock_info.</summary>
    public LockInfo LockInfo { get; } = lockInfo;

    public override int KvProtoField => 11;

    public override string Message => $"primary mismatch: {LockInfo}";
}
