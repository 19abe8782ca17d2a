namespace ManagedKv.Txn;

/// <summary>
/// Commit found neither the transaction's lock nor its commit record: it was rolled back (or never prewritten)
/// (KeyError 12 <c>txn_lock_not_found</c>).
/// </summary>
public sealed class TxnLockNotFound : KeyError
{
    /// <summary>1 key (raw).</summary>
    public byte[] Key { get; init; } = [];

    /// <summary>start_ts of the committing transaction.</summary>
    public ulong StartTs { get; init; }

    /// <summary>Attempted commit_ts.</summary>
    public ulong CommitTs { get; init; }

    public override int KvProtoField => 12;

    public override string Message => $"txn {StartTs} lock not found on {Convert.ToHexString(Key)} when committing at {CommitTs}";
}
