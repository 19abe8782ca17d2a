namespace ManagedKv.Lsm.Table;

/// <summary>How a <see cref="TableBuilder"/> writes an SST. Read once by the builder's constructor.</summary>
internal sealed class TableBuilderOptions
{
    /// <summary>Target uncompressed size of a data block in bytes; default 32 KiB, bounds 256 B .. 256 MiB.</summary>
    public int BlockSize { get; set; } = 32 * 1024;

    /// <summary>Keys between restart points in data blocks; default 16, at least 1.</summary>
    public int BlockRestartInterval { get; set; } = 16;

    /// <summary>Bloom filter bits per key; default 10; 0 writes no filter; otherwise 1..100.</summary>
    public double BloomBitsPerKey { get; set; } = 10;

    /// <summary>Whether whole user keys go into the filter; default true.</summary>
    public bool WholeKeyFiltering { get; set; } = true;

    /// <summary>Prefix extractor whose prefixes go into the filter (with whole keys unless <see cref="WholeKeyFiltering"/> is off); default none.</summary>
    public ISliceTransform? PrefixExtractor { get; set; }

    /// <summary>Charged for every byte written to the file before it is written; default none.</summary>
    public RateLimiter? RateLimiter { get; set; }

    /// <summary>The priority of the writes at the rate limiter (flushes high, compactions low).</summary>
    public IoPriority IoPriority { get; set; } = IoPriority.Low;

    /// <summary>Data block compression; default none.</summary>
    public CompressionType Compression { get; set; } = CompressionType.None;

    /// <summary>Recorded in the properties.</summary>
    public string ColumnFamilyName { get; set; } = "default";

    /// <summary>Recorded in the properties.</summary>
    public uint ColumnFamilyId { get; set; }

    /// <summary>Seconds since the Unix epoch, recorded in the properties; default 0 (unknown).</summary>
    public long CreationTime { get; set; }

    /// <summary>Table-properties collectors fed every entry of the next file; null for none. Set per file.</summary>
    public TablePropertiesCollectorSet? Collectors { get; set; }

    /// <summary>Mark the file as external (written by SstFileWriter: every sequence 0, user keys unique).</summary>
    public bool IsExternalFile { get; set; }
}
