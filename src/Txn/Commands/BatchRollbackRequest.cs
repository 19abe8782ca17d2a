namespace ManagedKv.Txn;

/// <summary>kvproto <c>BatchRollbackRequest</c>: 2 start_version, 3 keys.</summary>
public sealed class BatchRollbackRequest
{
    public ulong StartVersion { get; init; }

    public byte[][] Keys { get; init; } = [];
}
