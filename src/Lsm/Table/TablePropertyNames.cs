namespace ManagedKv.Lsm.Table;

/// <summary>
/// Keys of the properties block (FORMAT.md, "Properties"). On-disk: never rename. Names starting with
/// <see cref="ReservedPrefix"/> or <see cref="ManagedKvPrefix"/> are built-in (an unknown one is ignored by readers,
/// so later versions may add more); every other name is a user-collected property.
/// </summary>
internal static class TablePropertyNames
{
    public const string ReservedPrefix = "rocksdb.";
    public const string ManagedKvPrefix = "managedkv.";

    public const string NumEntries = "rocksdb.num.entries";
    public const string NumDeletions = "rocksdb.deleted.keys";
    public const string RawKeySize = "rocksdb.raw.key.size";
    public const string RawValueSize = "rocksdb.raw.value.size";
    public const string DataSize = "rocksdb.data.size";
    public const string IndexSize = "rocksdb.index.size";
    public const string FilterSize = "rocksdb.filter.size";
    public const string NumDataBlocks = "rocksdb.num.data.blocks";
    public const string Compression = "rocksdb.compression";
    public const string CreationTime = "rocksdb.creation.time";
    public const string ColumnFamilyName = "rocksdb.column.family.name";
    public const string ColumnFamilyId = "rocksdb.column.family.id";
    public const string FormatVersion = "rocksdb.format.version";
    public const string Comparator = "rocksdb.comparator";
    public const string FilterPolicy = "rocksdb.filter.policy";
    public const string PrefixExtractorName = "rocksdb.prefix.extractor.name";
    public const string WholeKeyFiltering = "managedkv.whole.key.filtering";
    public const string SmallestSequence = "managedkv.smallest.seqno";
    public const string LargestSequence = "managedkv.largest.seqno";
    public const string SmallestKey = "managedkv.smallest.key";
    public const string LargestKey = "managedkv.largest.key";
    public const string ExternalFileVersion = "managedkv.external.version";

    public static bool IsReserved(string name) =>
        name.StartsWith(ReservedPrefix, StringComparison.Ordinal) || name.StartsWith(ManagedKvPrefix, StringComparison.Ordinal);
}
