namespace ManagedKv.Lsm;

/// <summary>
/// Options of one column family (RocksDB's ColumnFamilyOptions, names in PascalCase). Defaults follow TiKV's kv engine.
/// </summary>
public sealed class ColumnFamilyOptions
{
    /// <summary>Bytes an active memtable may hold before it is switched and flushed. Default 128 MiB, bounds [64 KiB, 4 GiB].</summary>
    public long WriteBufferSize { get; set; } = 128L << 20;

    /// <summary>Memtables (active + immutable) a CF may hold before writes stop and wait for a flush. Default 5, at least 2.</summary>
    public int MaxWriteBufferNumber { get; set; } = 5;

    /// <summary>L0 files that trigger an L0 compaction. Default 4.</summary>
    public int Level0FileNumCompactionTrigger { get; set; } = 4;

    /// <summary>L0 files at which writes are slowed down. Default 20.</summary>
    public int Level0SlowdownWritesTrigger { get; set; } = 20;

    /// <summary>L0 files at which writes stop until compaction catches up. Default 36.</summary>
    public int Level0StopWritesTrigger { get; set; } = 36;

    /// <summary>Target size of an SST written by compaction. Default 8 MiB.</summary>
    public long TargetFileSizeBase { get; set; } = 8L << 20;

    /// <summary>Target size of the base level. Default 512 MiB.</summary>
    public long MaxBytesForLevelBase { get; set; } = 512L << 20;

    /// <summary>Ratio between the targets of adjacent levels. Default 10.</summary>
    public double MaxBytesForLevelMultiplier { get; set; } = 10;

    /// <summary>Size the levels from the last one up (RocksDB's level_compaction_dynamic_level_bytes). Default true.</summary>
    public bool LevelCompactionDynamicLevelBytes { get; set; } = true;

    /// <summary>Number of levels, L0 included. Default 7.</summary>
    public int NumLevels { get; set; } = 7;

    /// <summary>Uncompressed size of a data block. Default 32 KiB, bounds [1 KiB, 4 MiB].</summary>
    public int BlockSize { get; set; } = 32 << 10;

    /// <summary>Keys between restart points in a data block. Default 16.</summary>
    public int BlockRestartInterval { get; set; } = 16;

    /// <summary>Bloom filter bits per key; 0 disables the filter. Default 10.</summary>
    public int BloomBitsPerKey { get; set; } = 10;

    /// <summary>
    /// Put whole user keys in the SST filter. Default true. With a <see cref="PrefixExtractor"/> the filter also holds
    /// the prefixes; turning this off leaves only the prefixes (smaller filters; point lookups then check the prefix,
    /// TiKV's write column family). Without a prefix extractor and with this off, SSTs get no filter.
    /// </summary>
    public bool WholeKeyFiltering { get; set; } = true;

    /// <summary>
    /// The prefix extractor: prefixes go into SST filters (and the memtable bloom) so prefix seeks
    /// (<see cref="ReadOptions.PrefixSameAsStart"/>) skip SSTs without the prefix, and point lookups use the prefix
    /// when <see cref="WholeKeyFiltering"/> is off. Default null (none). Its name is recorded in the MANIFEST and
    /// in each SST; opening the column family with a different extractor fails.
    /// </summary>
    public ISliceTransform? PrefixExtractor { get; set; }

    /// <summary>
    /// Size of each memtable's bloom filter as a fraction of <see cref="WriteBufferSize"/> (RocksDB's
    /// memtable_prefix_bloom_size_ratio). 0 (default) disables it; bounds [0, 0.25]. Holds prefixes (needs a
    /// <see cref="PrefixExtractor"/>) and, with <see cref="MemtableWholeKeyFiltering"/>, whole keys.
    /// </summary>
    public double MemtablePrefixBloomSizeRatio { get; set; }

    /// <summary>Put whole user keys in the memtable bloom too, so point lookups can skip memtables. Default false.</summary>
    public bool MemtableWholeKeyFiltering { get; set; }

    /// <summary>
    /// Creates a compaction filter for each compaction of this column family (not for flushes), which may keep,
    /// remove or change each value. Default null. See <see cref="ICompactionFilter"/> for the snapshot semantics.
    /// </summary>
    public ICompactionFilterFactory? CompactionFilterFactory { get; set; }

    /// <summary>
    /// Compression per level. Levels past the end use the last entry. Default no:no:lz4:lz4:lz4:zstd:zstd. As in
    /// RocksDB, with <see cref="LevelCompactionDynamicLevelBytes"/> entry 0 is L0 and entry i (i &gt; 0) applies to the
    /// i-th level counted from the base level (the level L0 is compacted into), not to level i.
    /// </summary>
    public CompressionType[] CompressionPerLevel { get; set; } =
    [
        CompressionType.None, CompressionType.None, CompressionType.Lz4, CompressionType.Lz4,
        CompressionType.Lz4, CompressionType.Zstd, CompressionType.Zstd,
    ];

    /// <summary>Pending compaction bytes at which writes slow down. Default 192 GiB (TiKV's soft limit).</summary>
    public long SoftPendingCompactionBytesLimit { get; set; } = 192L << 30;

    /// <summary>Pending compaction bytes at which writes stop. Default 256 GiB (TiKV's hard limit).</summary>
    public long HardPendingCompactionBytesLimit { get; set; } = 256L << 30;

    /// <summary>Turn off automatic compactions (manual CompactRange still runs). Default false.</summary>
    public bool DisableAutoCompactions { get; set; }

    /// <summary>
    /// Factories of the table-properties collectors fed every entry of every SST this CF writes (flush, compaction)
    /// and of <c>SstFileWriter</c> files written with these options. Default empty. Their names (in list order) are
    /// recorded in the MANIFEST; opening with different names fails.
    /// </summary>
    public List<ITablePropertiesCollectorFactory> TablePropertiesCollectorFactories { get; set; } = new();

    /// <summary>
    /// Compression of files written to the last level (NumLevels - 1), overriding <see cref="CompressionPerLevel"/>
    /// there. Default null: use CompressionPerLevel.
    /// </summary>
    public CompressionType? BottommostCompression { get; set; }

    /// <summary>
    /// The compression of a file written to <paramref name="level"/>, RocksDB's rule: with
    /// <see cref="LevelCompactionDynamicLevelBytes"/>, entry 0 is L0 and entry i (i &gt; 0) is the i-th level from the
    /// base level (the level L0 is compacted into), so a small DB whose base level is the last level uses entry 1 there;
    /// without it, <paramref name="baseLevel"/> is 1 and entry i is level i. Levels past the end use the last entry.
    /// </summary>
    internal CompressionType CompressionForLevel(int level, int baseLevel)
    {
        if (level == NumLevels - 1 && BottommostCompression is CompressionType bottom)
        {
            return bottom;
        }
        CompressionType[] perLevel = CompressionPerLevel;
        if (perLevel.Length == 0)
        {
            return CompressionType.None;
        }
        int index = level == 0 ? 0 : level - (LevelCompactionDynamicLevelBytes ? Math.Max(baseLevel, 1) : 1) + 1;
        return perLevel[Math.Min(Math.Max(index, level == 0 ? 0 : 1), perLevel.Length - 1)];
    }

    internal ColumnFamilyOptions Clone()
    {
        var copy = (ColumnFamilyOptions)MemberwiseClone();
        copy.CompressionPerLevel = (CompressionType[])CompressionPerLevel.Clone();
        copy.TablePropertiesCollectorFactories = new List<ITablePropertiesCollectorFactory>(TablePropertiesCollectorFactories);
        return copy;
    }

    internal void Validate(string cfName)
    {
        if (WriteBufferSize < (64 << 10))
        {
            throw new ArgumentException($"Column family '{cfName}': WriteBufferSize {WriteBufferSize} is below 64 KiB.");
        }
        if (MaxWriteBufferNumber < 2)
        {
            throw new ArgumentException($"Column family '{cfName}': MaxWriteBufferNumber {MaxWriteBufferNumber} is below 2.");
        }
        if (NumLevels < 2 || NumLevels > 20)
        {
            throw new ArgumentException($"Column family '{cfName}': NumLevels {NumLevels} is outside [2, 20].");
        }
        if (BlockSize < 1024 || BlockSize > (4 << 20))
        {
            throw new ArgumentException($"Column family '{cfName}': BlockSize {BlockSize} is outside [1 KiB, 4 MiB].");
        }
        if (Level0FileNumCompactionTrigger < 1 || Level0SlowdownWritesTrigger < Level0FileNumCompactionTrigger
            || Level0StopWritesTrigger < Level0SlowdownWritesTrigger)
        {
            throw new ArgumentException($"Column family '{cfName}': L0 triggers must satisfy 1 <= compaction <= slowdown <= stop.");
        }
        if (!(MemtablePrefixBloomSizeRatio >= 0 && MemtablePrefixBloomSizeRatio <= 0.25))
        {
            throw new ArgumentException($"Column family '{cfName}': MemtablePrefixBloomSizeRatio {MemtablePrefixBloomSizeRatio} is outside [0, 0.25].");
        }
        if (TargetFileSizeBase < 4096 || MaxBytesForLevelBase < 4096 || MaxBytesForLevelMultiplier < 2)
        {
            throw new ArgumentException($"Column family '{cfName}': level size targets are too small.");
        }
    }
}
