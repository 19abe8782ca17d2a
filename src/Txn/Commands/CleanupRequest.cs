namespace ManagedKv.Txn;

/// <summary>kvproto <c>CleanupRequest</c>: 2 key, 3 start_version, 4 current_ts (0 = roll back even a live lock).</summary>
public sealed class CleanupRequest
{
    public byte[] Key { get; init; } = [];

    public ulong StartVersion { get; init; }

    public ulong CurrentTs { get; init; }
}
