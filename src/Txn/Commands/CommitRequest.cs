namespace ManagedKv.Txn;

/// <summary>kvproto <c>CommitRequest</c>: 2 start_version, 3 keys, 4 commit_version.</summary>
public sealed class CommitRequest
{
    public ulong StartVersion { get; init; }

    public byte[][] Keys { get; init; } = [];

    public ulong CommitVersion { get; init; }
}
