namespace ManagedKv.Txn;

/// <summary>kvproto <c>ScanRequest</c>: 2 start_key, 3 limit, 4 version, 5 key_only, 6 reverse, 7 end_key. For a reverse scan start_key is the exclusive upper bound and end_key the inclusive lower bound (as clients send it).</summary>
public sealed class ScanRequest
{
    public byte[] StartKey { get; init; } = [];

    public uint Limit { get; init; }

    public ulong Version { get; init; }

    public bool KeyOnly { get; init; }

    public bool Reverse { get; init; }

    /// <summary>Empty = unbounded.</summary>
    public byte[] EndKey { get; init; } = [];

    public ulong[]? ResolvedLocks { get; init; }

    public IsolationLevel IsolationLevel { get; init; }
}
