namespace ManagedKv.Lsm.Table;

/// <summary>How <see cref="TableReader"/>s read SSTs. Shared by all readers of a table cache; do not change after use.</summary>
internal sealed class TableReaderOptions
{
    /// <summary>Cache for data blocks (and for index and filter blocks when they are not pinned); null = no cache.</summary>
    public BlockCache? BlockCache { get; set; }

    /// <summary>Verify each data block's checksum when it is read from the file; default true. Meta blocks are always verified.</summary>
    public bool VerifyChecksums { get; set; } = true;

    /// <summary>
    /// Keep the index and filter blocks in the reader's memory (counted by <see cref="TableReader.MemoryUsage"/>)
    /// instead of in the block cache, where they compete with data blocks and may be evicted and reread; default
    /// true. Without a block cache they are always pinned.
    /// </summary>
    public bool PinIndexAndFilter { get; set; } = true;

    /// <summary>Read files through a read-only memory mapping instead of pread system calls; default false.</summary>
    public bool UseMemoryMap { get; set; }

    /// <summary>Counters for block cache hits and misses per block type; null counts nothing.</summary>
    public LsmStatistics? Statistics { get; set; }
}
