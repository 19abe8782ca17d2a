namespace ManagedKv.Txn;

/// <summary>kvproto <c>PrewriteResponse</c>: 2 errors, 3 min_commit_ts (async commit; 0 = fell back to 2PC), 4 one_pc_commit_ts (0 = not committed by 1PC).</summary>
public sealed class PrewriteResponse : TxnResponse
{
    public List<KeyError> Errors { get; } = new();

    public ulong MinCommitTs { get; set; }

    public ulong OnePcCommitTs { get; set; }
}
