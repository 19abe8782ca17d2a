namespace ManagedKv.Txn;

/// <summary>kvproto <c>ScanLockRequest</c>: 2 max_version, 3 start_key, 4 limit, 5 end_key.</summary>
public sealed class ScanLockRequest
{
    public ulong MaxVersion { get; init; }

    public byte[] StartKey { get; init; } = [];

    public uint Limit { get; init; }

    public byte[] EndKey { get; init; } = [];
}
