namespace ManagedKv.Txn;

/// <summary>kvproto <c>CheckSecondaryLocksRequest</c>: 2 keys, 3 start_version.</summary>
public sealed class CheckSecondaryLocksRequest
{
    public byte[][] Keys { get; init; } = [];

    public ulong StartVersion { get; init; }
}
