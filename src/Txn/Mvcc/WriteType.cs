namespace ManagedKv.Txn;

/// <summary>Kind of a write CF record. The values are the on-disk type bytes (on-disk: never renumber).</summary>
public enum WriteType : byte
{
    /// <summary>A committed put; the value is inlined or in the default CF at start_ts.</summary>
    Put = (byte)'P',

    /// <summary>A committed delete.</summary>
    Delete = (byte)'D',

    /// <summary>A committed lock-only mutation; carries no data.</summary>
    Lock = (byte)'L',

    /// <summary>A rollback record at the rolled-back transaction's start_ts.</summary>
    Rollback = (byte)'R',
}
