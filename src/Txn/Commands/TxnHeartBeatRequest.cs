namespace ManagedKv.Txn;

/// <summary>kvproto <c>TxnHeartBeatRequest</c>: 2 primary_lock, 3 start_version, 4 advise_lock_ttl.</summary>
public sealed class TxnHeartBeatRequest
{
    public byte[] PrimaryLock { get; init; } = [];

    public ulong StartVersion { get; init; }

    public ulong AdviseLockTtl { get; init; }
}
