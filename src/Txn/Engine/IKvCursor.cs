namespace ManagedKv.Txn;

/// <summary>
/// A bidirectional cursor over one column family of a snapshot. Key and Value stay valid until the next move.
/// Not thread-safe.
/// </summary>
public interface IKvCursor : IDisposable
{
    /// <summary>True when positioned at an entry.</summary>
    bool Valid { get; }

    /// <summary>Current key. REQUIRES: Valid.</summary>
    ReadOnlySpan<byte> Key { get; }

    /// <summary>Current value. REQUIRES: Valid.</summary>
    ReadOnlySpan<byte> Value { get; }

    /// <summary>Positions at the first key &gt;= <paramref name="key"/>.</summary>
    void Seek(ReadOnlySpan<byte> key);

    /// <summary>Positions at the last key &lt;= <paramref name="key"/>.</summary>
    void SeekForPrev(ReadOnlySpan<byte> key);

    void SeekToFirst();

    void SeekToLast();

    void Next();

    void Prev();
}
