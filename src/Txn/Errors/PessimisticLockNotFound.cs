namespace ManagedKv.Txn;

/// <summary>A pessimistic prewrite found no pessimistic lock of its transaction (KeyError 3 <c>abort</c>).</summary>
public sealed class PessimisticLockNotFound : KeyError
{
    public byte[] Key { get; init; } = [];

    public ulong StartTs { get; init; }

    public ulong ForUpdateTs { get; init; }

    public override int KvProtoField => 3;

    public override string Message =>
        $"pessimistic lock not found: key {Convert.ToHexString(Key)} start_ts {StartTs} for_update_ts {ForUpdateTs}";
}
