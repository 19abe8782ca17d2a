namespace ManagedKv.Txn;

/// <summary>The transaction's own lock has an unexpected type for the request, e.g. a pessimistic lock request on a
/// key the transaction already prewrote (KeyError 3 <c>abort</c>).</summary>
public sealed class LockTypeNotMatch : KeyError
{
    public byte[] Key { get; init; } = [];

    public ulong StartTs { get; init; }

    public LockType Found { get; init; }

    public override int KvProtoField => 3;

    public override string Message => $"lock type {Found} of txn {StartTs} on {Convert.ToHexString(Key)} does not match the request";
}
