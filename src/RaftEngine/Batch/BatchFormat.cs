namespace ManagedKv.RaftEngine;

/// <summary>
/// Constants of the batch record (FORMAT.md, "Batch"). On-disk: never renumber.
/// </summary>
internal static class BatchFormat
{
    /// <summary>
    /// Versions 1 and 2: bytes of the batch header: checksum u32, total length u32, items length u32, file tag u32
    /// (version 2: the low 32 bits of the file's sequence; version 1: flags, always 0).
    /// </summary>
    public const int HeaderSizeV2 = 16;

    /// <summary>Version 3: the largest batch header: checksum u32, items length varint, data length varint.</summary>
    public const int MaxHeaderSize = 4 + 5 + 5;

    /// <summary>Version 3: the smallest batch header (both lengths below 128).</summary>
    public const int MinHeaderSize = 4 + 1 + 1;

    /// <summary>Zero bytes written after every append: where a batch would start, they end the data.</summary>
    public const int TerminatorSize = 16;

    /// <summary>
    /// Version 3: the zero bytes that end the data where a batch would start (a zero checksum and an empty items
    /// section, which no batch has).
    /// </summary>
    public const int EndMarkerSizeV3 = 5;

    /// <summary>Bytes of the checksum trailer after each entry block.</summary>
    public const int BlockTrailerSize = 4;

    /// <summary>The only flags value of format version 1 (the file tag field of version 2).</summary>
    public const uint Flags = 0;

    /// <summary>Largest batch the writer produces and the reader accepts (1 GiB), so file offsets stay below 4 GiB.</summary>
    public const int MaxBatchSize = 1 << 30;

    // Item tags (the item kind). On-disk: never renumber.
    public const byte TagEntries = 1;
    public const byte TagPutState = 2;
    public const byte TagDeleteState = 3;
    public const byte TagCompact = 4;
    public const byte TagClean = 5;

    // Version 3 item byte: kind in bits 0-2, "same region as the previous item" in bit 3 (the region id is omitted),
    // an Entries item's compression in bits 4-5, bits 6-7 zero.
    public const byte KindMask = 0x07;
    public const byte SameRegionFlag = 0x08;
    public const int CompressionShift = 4;
    public const byte CompressionMask = 0x30;
    public const byte ReservedMask = 0xC0;

    // Block compression types (also the seed of the block checksum). On-disk: never renumber.
    public const byte CompressionNone = 0;
    public const byte CompressionLz4 = 1;
}
