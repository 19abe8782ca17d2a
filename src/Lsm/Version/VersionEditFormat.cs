namespace ManagedKv.Lsm.Version;

/// <summary>
/// Field tags of a version edit in the MANIFEST (FORMAT.md, "MANIFEST"). On-disk: never renumber.
/// Tags below <see cref="SafeToIgnoreFirst"/> must be understood by a reader; tags at or above it carry a
/// varint32 length and are skipped by readers that do not know them (room for later fields).
/// </summary>
internal static class VersionEditFormat
{
    public const uint Comparator = 1;
    public const uint LogNumber = 2;
    public const uint NextFileNumber = 3;
    public const uint LastSequence = 4;
    public const uint DeletedFile = 5;
    public const uint NewFile = 6;
    public const uint ColumnFamily = 7;
    public const uint ColumnFamilyAdd = 8;
    public const uint ColumnFamilyDrop = 9;
    public const uint MaxColumnFamily = 10;
    public const uint FormatVersion = 11;

    /// <summary>Flags of a file added in the same edit: <c>number varint64 | flags varint32</c> (bit 0: has range deletions).</summary>
    public const uint NewFileFlags = 12;

    public const uint FileFlagRangeDeletions = 1;

    /// <summary>A new file with a global sequence number (ingested external SST): NewFile's fields + varint64 seqno.</summary>
    public const uint NewFileWithGlobalSequence = 16;

    /// <summary>Ignorable: names of the code-supplied options of the CF (collectors, extractors, ...), see <see cref="ColumnFamilyOptionNames"/>.</summary>
    public const uint OptionNames = 64;

    public const uint SafeToIgnoreFirst = 64;

    /// <summary>The MANIFEST format this code writes; a MANIFEST with a newer version fails to open.</summary>
    public const uint CurrentFormatVersion = 1;
}
