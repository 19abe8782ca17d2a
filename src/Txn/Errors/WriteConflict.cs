namespace ManagedKv.Txn;

/// <summary>A newer write (or a rollback of this transaction) exists on the key (KeyError 4 <c>conflict</c>).</summary>
public sealed class WriteConflict : KeyError
{
    /// <summary>1 start_ts of the failing transaction.</summary>
    public ulong StartTs { get; init; }

    /// <summary>2 conflict_ts: start_ts of the conflicting write.</summary>
    public ulong ConflictTs { get; init; }

    /// <summary>3 key (raw).</summary>
    public byte[] Key { get; init; } = [];

    /// <summary>4 primary of the failing transaction.</summary>
    public byte[] Primary { get; init; } = [];

    /// <summary>5 conflict_commit_ts.</summary>
    public ulong ConflictCommitTs { get; init; }

    /// <summary>6 reason.</summary>
    public WriteConflictReason Reason { get; init; }

    public override int KvProtoField => 4;

    public override string Message =>
        $"write conflict on {Convert.ToHexString(Key)}: start_ts={StartTs} conflict_ts={ConflictTs} conflict_commit_ts={ConflictCommitTs} reason={Reason}";
}
