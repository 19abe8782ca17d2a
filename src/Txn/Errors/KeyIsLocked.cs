namespace ManagedKv.Txn;

/// <summary>The key is locked by another transaction (KeyError 1 <c>locked</c>).</summary>
public sealed class KeyIsLocked(LockInfo locked) : KeyError
{
    /// <summary>The lock met.</summary>
    public LockInfo Locked { get; } = locked;

    public override int KvProtoField => 1;

    public override string Message => $"key is locked: {Locked}";
}
