namespace ManagedKv.Txn;

/// <summary>kvproto <c>BatchGetRequest</c>: 2 keys, 3 version.</summary>
public sealed class BatchGetRequest
{
    public byte[][] Keys { get; init; } = [];

    public ulong Version { get; init; }

    public ulong[]? ResolvedLocks { get; init; }

    public IsolationLevel IsolationLevel { get; init; }
}
