namespace ManagedKv.Txn;

/// <summary>Kind of a lock in the lock CF. The values are the on-disk type bytes (on-disk: never renumber).</summary>
public enum LockType : byte
{
    /// <summary>Prewritten put.</summary>
    Put = (byte)'P',

    /// <summary>Prewritten delete.</summary>
    Delete = (byte)'D',

    /// <summary>Prewritten lock-only mutation (SELECT FOR UPDATE in an optimistic txn); does not block reads.</summary>
    Lock = (byte)'L',

    /// <summary>Pessimistic lock taken before prewrite; does not block reads.</summary>
    Pessimistic = (byte)'S',
}
