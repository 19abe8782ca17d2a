namespace ManagedKv.Txn;

/// <summary>A rollback or cleanup met a transaction already committed (KeyError 3 <c>abort</c>; Cleanup also
/// returns the commit_version).</summary>
public sealed class TxnAlreadyCommitted : KeyError
{
    public byte[] Key { get; init; } = [];

    public ulong StartTs { get; init; }

    public ulong CommitTs { get; init; }

    public override int KvProtoField => 3;

    public override string Message => $"txn {StartTs} already committed at {CommitTs} on {Convert.ToHexString(Key)}";
}
