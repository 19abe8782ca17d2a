namespace ManagedKv.Lsm.Memtable;

/// <summary>Construction options of a <see cref="MemTable"/>.</summary>
internal sealed class MemTableOptions
{
    /// <summary>The defaults: chunks from <see cref="ArenaChunkPool.Shared"/>.</summary>
    public static MemTableOptions Default { get; } = new();

    /// <summary>Where the memtable's arena takes its chunks and returns them when the memtable is freed. Default: the shared pool of 2 MiB huge-page chunks.</summary>
    public ArenaChunkPool ChunkPool { get; init; } = ArenaChunkPool.Shared;

    /// <summary>Bits of the memtable bloom filter; 0 (default) builds none.</summary>
    public long BloomBits { get; init; }

    /// <summary>Prefixes of this extractor go into the bloom filter; default none.</summary>
    public ISliceTransform? PrefixExtractor { get; init; }

    /// <summary>Whole user keys go into the bloom filter (point lookups check it); default false.</summary>
    public bool WholeKeyFiltering { get; init; }

    /// <summary>Counts bloom checks; default none.</summary>
    public LsmStatistics? Statistics { get; init; }
}
