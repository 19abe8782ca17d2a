namespace ManagedKv.Lsm;

/// <summary>An estimated amount of data: bytes (user key + value lengths) and entries.</summary>
/// <param name="Size">Bytes of user keys and values.</param>
/// <param name="Keys">Entries (every version and tombstone counts).</param>
public readonly record struct RangeEstimate(long Size, long Keys)
{
    /// <summary>Sum of two estimates.</summary>
    public static RangeEstimate operator +(RangeEstimate a, RangeEstimate b) => new(a.Size + b.Size, a.Keys + b.Keys);
}
