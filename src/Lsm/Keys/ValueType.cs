namespace ManagedKv.Lsm.Keys;

/// <summary>
/// The kind of an internal entry, stored in the low byte of the 8-byte internal-key trailer.
/// On-disk: never renumber (values follow RocksDB's dbformat.h).
/// </summary>
internal enum ValueType : byte
{
    Deletion = 0x0,
    Value = 0x1,

    /// <summary>A range tombstone [user key, value) — stored in a table's range-deletion block.</summary>
    RangeDeletion = 0xF,
}

internal static class ValueTypes
{
    /// <summary>
    /// The type used when seeking: internal keys of equal user key and sequence sort by type descending,
    /// so seeking with the largest type finds every entry whose sequence is &lt;= the seek sequence.
    /// </summary>
    public const ValueType ForSeek = ValueType.RangeDeletion;

    public static bool IsValid(byte type) => type is (byte)ValueType.Deletion or (byte)ValueType.Value or (byte)ValueType.RangeDeletion;
}
