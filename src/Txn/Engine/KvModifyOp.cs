namespace ManagedKv.Txn;

/// <summary>Operation of one modification in a <see cref="KvWriteBatch"/> (FORMAT.md §6; on-disk: never renumber).</summary>
public enum KvModifyOp : byte
{
    Put = 1,
    Delete = 2,

    /// <summary>Deletes every key in <c>[key, value)</c> of the CF (the value slot holds the exclusive end key).</summary>
    DeleteRange = 3,
}
