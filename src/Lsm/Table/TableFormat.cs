namespace ManagedKv.Lsm.Table;

/// <summary>
/// Constants of the block-based table (SST) format. See FORMAT.md, sections "SST", "Blocks", "Footer".
/// On-disk: never change a value; a new layout gets a new <see cref="FormatVersion"/>.
/// </summary>
internal static class TableFormat
{
    /// <summary>
    /// The newest format version, written when the index block holds user keys (no user key spans two data blocks):
    /// version 2 differs from version 1 only there (FORMAT.md, "Index block"). Tables whose index needs internal keys
    /// are written as version 1, byte for byte as before. This build reads both.
    /// </summary>
    public const uint FormatVersion = 2;

    /// <summary>Version 1: index keys are internal keys.</summary>
    public const uint FormatVersionInternalKeyIndex = 1;

    /// <summary>Last 8 bytes of every SST (little-endian fixed64): the ASCII bytes "MKvSST\0\x01" read as LE.</summary>
    public const ulong Magic = 0x0100_5453_5376_4B4D;

    /// <summary>Every block is followed by: compression type (1 byte) + checksum (fixed32).</summary>
    public const int BlockTrailerSize = 5;

    /// <summary>Footer: metaindex handle + index handle (varints, zero padded to 40) + version + checksum + magic.</summary>
    public const int FooterSize = 2 * BlockHandle.MaxEncodedLength + 4 + 4 + 8;

    /// <summary>Checksum tag of the footer (blocks use their compression type as the tag).</summary>
    public const byte FooterChecksumTag = 0xF0;

    /// <summary>Restart interval of index, metaindex and properties blocks: every key is a restart point.</summary>
    public const int MetaBlockRestartInterval = 1;

    /// <summary>Metaindex key of the properties block.</summary>
    public const string PropertiesBlockName = "rocksdb.properties";

    /// <summary>Metaindex key prefix of the full filter block; the filter policy name follows.</summary>
    public const string FullFilterBlockPrefix = "fullfilter.";

    /// <summary>Metaindex name of the range deletion block (absent when the table has no range tombstones).</summary>
    public const string RangeDelBlockName = "rocksdb.range_del";

    /// <summary>Value of the <c>managedkv.external.version</c> property of files written by SstFileWriter.</summary>
    public const ulong ExternalFileVersion = 1;

    /// <summary>Stored uncompressed unless compression saves at least 1/8 of the block (12.5 %).</summary>
    public static bool CompressionWorthIt(int rawSize, int compressedSize) => compressedSize <= rawSize - (rawSize / 8);
}
