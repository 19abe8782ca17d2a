namespace ManagedKv.Txn;

/// <summary>The commit_ts is below the lock's min_commit_ts (KeyError 7 <c>commit_ts_expired</c>).</summary>
public sealed class CommitTsExpired : KeyError
{
    /// <summary>1 start_ts.</summary>
    public ulong StartTs { get; init; }

    /// <summary>2 attempted_commit_ts.</summary>
    public ulong AttemptedCommitTs { get; init; }

    /// <summary>3 key (raw).</summary>
    public byte[] Key { get; init; } = [];

    /// <summary>4 min_commit_ts.</summary>
    public ulong MinCommitTs { get; init; }

    public override int KvProtoField => 7;

    public override string Message =>
        $"commit_ts {AttemptedCommitTs} of txn {StartTs} on {Convert.ToHexString(Key)} is below min_commit_ts {MinCommitTs}";
}
