namespace ManagedKv.Txn;

/// <summary>kvproto <c>PessimisticRollbackRequest</c>: 2 start_version, 3 for_update_ts, 4 keys.</summary>
public sealed class PessimisticRollbackRequest
{
    public ulong StartVersion { get; init; }

    public ulong ForUpdateTs { get; init; }

    public byte[][] Keys { get; init; } = [];
}
