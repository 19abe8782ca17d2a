namespace ManagedKv.Txn;

/// <summary>An Insert or CheckNotExists met an existing value (KeyError 5 <c>already_exist</c>).</summary>
public sealed class AlreadyExist(byte[] key) : KeyError
{
    /// <summary>1 key (raw).</summary>
    public byte[] Key { get; } = key;

    public override int KvProtoField => 5;

    public override string Message => $"key {Convert.ToHexString(Key)} already exists";
}
