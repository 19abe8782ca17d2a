namespace ManagedKv.Txn;

/// <summary>kvproto <c>GetRequest</c> (2 key, 3 version) plus the Context fields a read uses.</summary>
public sealed class GetRequest
{
    public byte[] Key { get; init; } = [];

    /// <summary>3 version: the read timestamp.</summary>
    public ulong Version { get; init; }

    /// <summary>Context 13 resolved_locks: start_ts of transactions whose locks the client knows are resolved.</summary>
    public ulong[]? ResolvedLocks { get; init; }

    /// <summary>Context 7 isolation_level.</summary>
    public IsolationLevel IsolationLevel { get; init; }
}
