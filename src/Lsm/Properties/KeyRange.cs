namespace ManagedKv.Lsm;

/// <summary>
/// A user-key range [<see cref="Start"/>, <see cref="Limit"/>) for size estimates and property queries (RocksDB's
/// Range). A null bound is unbounded on that side.
/// </summary>
/// <param name="Start">Inclusive first key, or null for the start of the key space.</param>
/// <param name="Limit">Exclusive end key, or null for the end of the key space.</param>
public readonly record struct KeyRange(byte[]? Start, byte[]? Limit)
{
    /// <summary>True when <paramref name="userKey"/> lies in the range.</summary>
    public bool Contains(ReadOnlySpan<byte> userKey) =>
        (Start is null || userKey.SequenceCompareTo(Start) >= 0) && (Limit is null || userKey.SequenceCompareTo(Limit) < 0);

    /// <summary>True when the closed user-key interval [<paramref name="smallest"/>, <paramref name="largest"/>] meets the range.</summary>
    public bool Overlaps(ReadOnlySpan<byte> smallest, ReadOnlySpan<byte> largest) =>
        (Start is null || largest.SequenceCompareTo(Start) >= 0) && (Limit is null || smallest.SequenceCompareTo(Limit) < 0);
}
