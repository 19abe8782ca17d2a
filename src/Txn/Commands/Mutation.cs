namespace ManagedKv.Txn;

/// <summary>kvproto <c>kvrpcpb.Mutation</c>: 1 op, 2 key, 3 value.</summary>
public sealed class Mutation
{
    public Mutation(MutationOp op, byte[] key, byte[]? value = null)
    {
        Op = op;
        Key = key;
        Value = value ?? [];
    }

    public MutationOp Op { get; }

    public byte[] Key { get; }

    public byte[] Value { get; }

    public static Mutation Put(byte[] key, byte[] value) => new(MutationOp.Put, key, value);

    public static Mutation Delete(byte[] key) => new(MutationOp.Del, key);

    public static Mutation Insert(byte[] key, byte[] value) => new(MutationOp.Insert, key, value);

    public static Mutation LockOnly(byte[] key) => new(MutationOp.Lock, key);

    public static Mutation CheckNotExists(byte[] key) => new(MutationOp.CheckNotExists, key);
}
