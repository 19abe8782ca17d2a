namespace ManagedKv.RaftEngine;

/// <summary>
/// Constants of the batch record (FORMAT.md, "Batch"). On-disk: never renumber.
/// </summary>
internal static class BatchFormat
{
    /// <summary>
    /// Bytes of the batch header: checksum u32, total length u32, items length u32, file tag u32 (version 2: the low
    /// 32 bits of the file's sequence; version 1: flags, always 0).
    /// </summary>
    public const int HeaderSize = 16;

    /// <summary>Bytes of the checksum trailer after each entry block.</summary>
    public const int BlockTrailerSize = 4;

    /// <summary>The only flags value of format version 1 (the file tag field of version 2).</summary>
    public const uint Flags = 0;

    /// <summary>Largest batch the writer produces and the reader accepts (1 GiB), so file offsets stay below 4 GiB.</summary>
    public const int MaxBatchSize = 1 << 30;

    // Item tags. On-disk: never renumber.
    public const byte TagEntries = 1;
    public const byte TagPutState = 2;
    public const byte TagDeleteState = 3;
    public const byte TagCompact = 4;
    public const byte TagClean = 5;

    // Block compression types (also the seed of the block checksum). On-disk: never renumber.
    public const byte CompressionNone = 0;
    public const byte CompressionLz4 = 1;
}
