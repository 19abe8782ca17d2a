namespace ManagedKv.Txn;

/// <summary>kvproto <c>kvrpcpb.Op</c>: the operation of a mutation (numbers are the protobuf enum values).</summary>
public enum MutationOp
{
    Put = 0,
    Del = 1,
    Lock = 2,
    Rollback = 3,

    /// <summary>Put that fails with AlreadyExist when the key has a value.</summary>
    Insert = 4,
    PessimisticLock = 5,

    /// <summary>Writes nothing; fails with AlreadyExist when the key has a value.</summary>
    CheckNotExists = 6,
}
