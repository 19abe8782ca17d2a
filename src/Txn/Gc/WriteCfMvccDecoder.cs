using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>
/// Tells the LSM's <see cref="MvccPropertiesCollector"/> what a <c>write</c> CF entry is (TiKV's MVCC properties
/// collector): the row is the encoded user key, the timestamp the commit_ts, the kind the write record's type. Only
/// values are versions; tombstones (left by GC) and entries that are not MVCC write records are not counted. Stateless
/// and thread-safe.
/// </summary>
public sealed class WriteCfMvccDecoder : IMvccEntryDecoder
{
    /// <summary>The shared instance.</summary>
    public static readonly WriteCfMvccDecoder Instance = new();

    private WriteCfMvccDecoder()
    {
    }

    public bool TryDecode(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, EntryType type, out MvccEntry entry)
    {
        entry = default;
        if (type != EntryType.Put || !MvccKey.TrySplit(key, out ReadOnlySpan<byte> userKey, out ulong commitTs)
            || value.IsEmpty || !TryKind(value[0], out MvccEntryKind kind))
        {
            return false;
        }
        entry = new MvccEntry(userKey.Length, commitTs, kind);
        return true;
    }

    // The type byte leads every write record (FORMAT.md §4); the rest is not needed for counting.
    private static bool TryKind(byte typeByte, out MvccEntryKind kind)
    {
        switch ((WriteType)typeByte)
        {
            case WriteType.Put:
                kind = MvccEntryKind.Put;
                return true;
            case WriteType.Delete:
                kind = MvccEntryKind.Delete;
                return true;
            case WriteType.Lock:
                kind = MvccEntryKind.Lock;
                return true;
            case WriteType.Rollback:
                kind = MvccEntryKind.Rollback;
                return true;
            default:
                kind = MvccEntryKind.Other;
                return false;
        }
    }
}
