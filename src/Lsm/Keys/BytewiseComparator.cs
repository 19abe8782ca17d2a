namespace ManagedKv.Lsm.Keys;

/// <summary>
/// The user-key order: unsigned bytewise, as RocksDB's default comparator. Its name is recorded in the MANIFEST
/// and checked at open. Also computes the short separators used by index blocks.
/// </summary>
internal static class BytewiseComparator
{
    /// <summary>On-disk: the name RocksDB records for the same order.</summary>
    public const string Name = "leveldb.BytewiseComparator";

    public static int Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.SequenceCompareTo(b);

    /// <summary>
    /// A short key k with start &lt;= k &lt; limit (when start &lt; limit), written to <paramref name="destination"/>
    /// (at least start.Length bytes); returns its length. Falls back to start itself.
    /// </summary>
    public static int FindShortestSeparator(ReadOnlySpan<byte> start, ReadOnlySpan<byte> limit, Span<byte> destination)
    {
        int minLen = Math.Min(start.Length, limit.Length);
        int diff = 0;
        while (diff < minLen && start[diff] == limit[diff])
        {
            diff++;
        }
        if (diff < minLen)
        {
            byte b = start[diff];
            byte l = limit[diff];
            if (b < l)
            {
                if (b + 1 < l || diff < limit.Length - 1)
                {
                    // start[..diff] + (b + 1): below limit (a smaller byte there, or a proper prefix of limit).
                    start[..(diff + 1)].CopyTo(destination);
                    destination[diff]++;
                    return diff + 1;
                }
                // limit ends right after its byte b + 1: keep b and cut start after its first later byte that can
                // be incremented (RocksDB's refinement of LevelDB's rule).
                for (int i = diff + 1; i < start.Length; i++)
                {
                    if (start[i] != 0xFF)
                    {
                        start[..(i + 1)].CopyTo(destination);
                        destination[i]++;
                        return i + 1;
                    }
                }
            }
        }
        start.CopyTo(destination);
        return start.Length;
    }

    /// <summary>A short key k &gt;= key, written to <paramref name="destination"/>; returns its length.</summary>
    public static int FindShortSuccessor(ReadOnlySpan<byte> key, Span<byte> destination)
    {
        for (int i = 0; i < key.Length; i++)
        {
            if (key[i] != 0xFF)
            {
                key[..(i + 1)].CopyTo(destination);
                destination[i]++;
                return i + 1;
            }
        }
        key.CopyTo(destination);
        return key.Length;
    }
}
