namespace ManagedKv.Txn;

/// <summary>
/// Async commit or 1PC would need a commit_ts above the request's max_commit_ts; the client falls back to a normal
/// two-phase commit (KeyError 9 <c>commit_ts_too_large</c>).
/// </summary>
public sealed class CommitTsTooLarge(ulong commitTs) : KeyError
{
    /// <summary>1 commit_ts that would have been needed.</summary>
    public ulong CommitTs { get; } = commitTs;

    public override int KvProtoField => 9;

    public override string Message => $"commit_ts {CommitTs} is larger than max_commit_ts";
}
