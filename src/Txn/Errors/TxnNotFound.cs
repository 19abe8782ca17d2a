namespace ManagedKv.Txn;

/// <summary>Neither a lock nor a commit or rollback record of the transaction exists (KeyError 8 <c>txn_not_found</c>).</summary>
public sealed class TxnNotFound(ulong startTs, byte[] primaryKey) : KeyError
{
    /// <summary>1 start_ts.</summary>
    public ulong StartTs { get; } = startTs;

    /// <summary>2 primary_key (raw).</summary>
    public byte[] PrimaryKey { get; } = primaryKey;

    public override int KvProtoField => 8;

    public override string Message => $"txn {StartTs} not found on primary {Convert.ToHexString(PrimaryKey)}";
}
