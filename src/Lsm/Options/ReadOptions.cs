namespace ManagedKv.Lsm;

/// <summary>Options of one read (Get or iterator).</summary>
public sealed class ReadOptions
{
    /// <summary>Read as of this snapshot; null reads the latest data.</summary>
    public Snapshot? Snapshot { get; set; }

    /// <summary>Iterators stay at or above this user key (inclusive). Null: unbounded.</summary>
    public byte[]? LowerBound { get; set; }

    /// <summary>Iterators stay below this user key (exclusive). Null: unbounded.</summary>
    public byte[]? UpperBound { get; set; }

    /// <summary>Put blocks read by this operation into the block cache. Default true.</summary>
    public bool FillCache { get; set; } = true;

    /// <summary>Verify block checksums while reading. Default true.</summary>
    public bool VerifyChecksums { get; set; } = true;

    /// <summary>
    /// Iterators stop once the prefix (<see cref="ColumnFamilyOptions.PrefixExtractor"/>) of the current key differs
    /// from the prefix of the Seek / SeekForPrev target, and skip memtables and SSTs whose filters rule that prefix
    /// out. No effect without a prefix extractor, for targets outside its domain, or with <see cref="TotalOrderSeek"/>.
    /// SeekToFirst / SeekToLast do not filter; they stop at the end of the first (last) key's prefix. Default false.
    /// </summary>
    public bool PrefixSameAsStart { get; set; }

    /// <summary>Ignore the prefix extractor: iterate in total order, consult no prefix filter. Default false.</summary>
    public bool TotalOrderSeek { get; set; }

    internal static readonly ReadOptions Default = new();
}
