namespace ManagedKv.Lsm;

/// <summary>
/// What an SST records about itself in its properties block (FORMAT.md, "Properties"): counts, sizes, sequence
/// range, the options it was written with, and the user-collected properties of table-properties collectors.
/// Immutable once returned by a table builder or reader; safe to share between threads.
/// </summary>
public sealed class TableProperties
{
    private static readonly IReadOnlyDictionary<string, byte[]> s_noUserProperties = new Dictionary<string, byte[]>();

    /// <summary>Entries (values and deletions) in the file.</summary>
    public ulong NumEntries { get; internal set; }

    /// <summary>Deletion entries in the file.</summary>
    public ulong NumDeletions { get; internal set; }

    /// <summary>Sum of the internal key lengths of all entries (user key + 8-byte trailer).</summary>
    public ulong RawKeySize { get; internal set; }

    /// <summary>Sum of the value lengths of all entries.</summary>
    public ulong RawValueSize { get; internal set; }

    /// <summary>Bytes of data blocks in the file, trailers included.</summary>
    public ulong DataSize { get; internal set; }

    /// <summary>Bytes of the index block in the file, trailer included.</summary>
    public ulong IndexSize { get; internal set; }

    /// <summary>Bytes of the filter block in the file, trailer included (0 when the file has no filter).</summary>
    public ulong FilterSize { get; internal set; }

    /// <summary>Number of data blocks.</summary>
    public ulong NumDataBlocks { get; internal set; }

    /// <summary>Smallest sequence number of any entry (0 for an empty file).</summary>
    public ulong SmallestSequence { get; internal set; }

    /// <summary>Largest sequence number of any entry (0 for an empty file).</summary>
    public ulong LargestSequence { get; internal set; }

    /// <summary>The compression the file was written with ("NoCompression", "LZ4", "ZSTD"); a block that did not shrink is stored uncompressed.</summary>
    public string CompressionName { get; internal set; } = string.Empty;

    /// <summary>When the file was written, in seconds since the Unix epoch (0 if unknown).</summary>
    public long CreationTime { get; internal set; }

    /// <summary>Name of the column family the file belongs to.</summary>
    public string ColumnFamilyName { get; internal set; } = string.Empty;

    /// <summary>Id of the column family the file belongs to.</summary>
    public uint ColumnFamilyId { get; internal set; }

    /// <summary>SST format version (see FORMAT.md, "Footer").</summary>
    public uint FormatVersion { get; internal set; }

    /// <summary>Name of the user-key comparator.</summary>
    public string ComparatorName { get; internal set; } = string.Empty;

    /// <summary>Name of the filter policy, empty when the file has no filter.</summary>
    public string FilterPolicyName { get; internal set; } = string.Empty;

    /// <summary>Name of the prefix extractor whose prefixes the filter holds, empty when it holds none.</summary>
    public string PrefixExtractorName { get; internal set; } = string.Empty;

    /// <summary>True when the filter holds whole user keys (or the file has no filter).</summary>
    public bool WholeKeyFiltering { get; internal set; } = true;

    /// <summary>Size of the whole file in bytes.</summary>
    public long FileSize { get; internal set; }

    /// <summary>True for a file written by <c>SstFileWriter</c> (every entry has sequence 0; see <see cref="GlobalSequenceNumber"/>).</summary>
    public bool IsExternalFile { get; internal set; }

    /// <summary>
    /// The sequence number every entry of an ingested external file reads as (recorded in the MANIFEST when the file
    /// was ingested over newer data); 0 when entries read with their stored sequence.
    /// </summary>
    public ulong GlobalSequenceNumber { get; internal set; }

    /// <summary>Properties written by table-properties collectors (name → value).</summary>
    public IReadOnlyDictionary<string, byte[]> UserCollectedProperties { get; internal set; } = s_noUserProperties;

    /// <summary>Smallest internal key in the file (empty for an empty file).</summary>
    internal byte[] SmallestKey { get; set; } = [];

    /// <summary>Largest internal key in the file (empty for an empty file).</summary>
    internal byte[] LargestKey { get; set; } = [];
}
