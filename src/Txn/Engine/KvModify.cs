namespace ManagedKv.Txn;

/// <summary>One modification of a <see cref="KvWriteBatch"/>, viewed in place (valid while the batch is unchanged).</summary>
public readonly ref struct KvModify
{
    public KvModify(KvModifyOp op, EngineCf cf, ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Op = op;
        Cf = cf;
        Key = key;
        Value = value;
    }

    public KvModifyOp Op { get; }

    public EngineCf Cf { get; }

    public ReadOnlySpan<byte> Key { get; }

    /// <summary>Empty for deletes; the exclusive end key for <see cref="KvModifyOp.DeleteRange"/> (whose begin is <see cref="Key"/>).</summary>
    public ReadOnlySpan<byte> Value { get; }
}
