namespace ManagedKv.Lsm;

/// <summary>
/// The kind of an entry handed to <see cref="ITablePropertiesCollector.Add"/> (RocksDB's EntryType). Values are API,
/// not on-disk.
/// </summary>
public enum EntryType
{
    /// <summary>A key with a value.</summary>
    Put = 0,

    /// <summary>A point tombstone (the value is empty).</summary>
    Delete = 1,

    /// <summary>A range tombstone: the key is the inclusive begin and the value the exclusive end of the range.</summary>
    RangeDeletion = 2,

    /// <summary>Any other kind a later version may add.</summary>
    Other = 3,
}
