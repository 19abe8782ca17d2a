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

    internal static readonly ReadOptions Default = new();
}
