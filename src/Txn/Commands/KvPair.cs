namespace ManagedKv.Txn;

/// <summary>kvproto <c>KvPair</c>: 1 error, 2 key, 3 value, 4 commit_ts.</summary>
public sealed class KvPair
{
    public KeyError? Error { get; init; }

    public byte[] Key { get; init; } = [];

    public byte[] Value { get; init; } = [];

    public ulong CommitTs { get; init; }

    public override string ToString() =>
        Error is null ? $"{Convert.ToHexString(Key)}={Convert.ToHexString(Value)}@{CommitTs}" : $"{Convert.ToHexString(Key)}: {Error}";
}
