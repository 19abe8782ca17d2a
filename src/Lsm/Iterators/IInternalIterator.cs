namespace ManagedKv.Lsm.Iterators;

/// <summary>
/// An ordered cursor over internal entries (internal key = user key + 8-byte trailer, see Keys/InternalKey),
/// implemented by memtables, table readers, levels and the merging iterator. Both directions.
/// Not thread-safe: one thread drives an iterator. Key and Value stay valid until the next move or Dispose.
/// Corrupt data throws <see cref="CorruptionException"/>; it is never skipped.
/// </summary>
internal interface IInternalIterator : IDisposable
{
    bool Valid { get; }

    /// <summary>The current internal key. REQUIRES: Valid.</summary>
    ReadOnlySpan<byte> Key { get; }

    /// <summary>The current value. REQUIRES: Valid.</summary>
    ReadOnlySpan<byte> Value { get; }

    void SeekToFirst();

    void SeekToLast();

    /// <summary>Positions at the first entry with internal key &gt;= <paramref name="target"/> (an internal key).</summary>
    void Seek(ReadOnlySpan<byte> target);

    /// <summary>Positions at the last entry with internal key &lt;= <paramref name="target"/> (an internal key).</summary>
    void SeekForPrev(ReadOnlySpan<byte> target);

    /// <summary>REQUIRES: Valid.</summary>
    void Next();

    /// <summary>REQUIRES: Valid.</summary>
    void Prev();
}
