namespace ManagedKv.Txn;

/// <summary>kvproto <c>ResolveLockRequest</c>: 2 start_version, 3 commit_version (0 = roll back), 5 keys (empty = every lock of the transaction).</summary>
public sealed class ResolveLockRequest
{
    public ulong StartVersion { get; init; }

    public ulong CommitVersion { get; init; }

    public byte[][] Keys { get; init; } = [];
}
