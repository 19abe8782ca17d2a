using ManagedKv.Lsm.Table;

namespace ManagedKv.Lsm.Iterators;

/// <summary>
/// A table iterator that holds a reference on its reader and drops it on Dispose. With a
/// <see cref="PrefixSeekState"/>, a seek whose prefix the table's filter rules out leaves it invalid without reading
/// a block (<see cref="FilteredOut"/>).
/// </summary>
internal sealed class OwnedTableIterator : IInternalIterator
{
    private readonly TableReader _reader;
    private readonly IInternalIterator _inner;
    private readonly PrefixSeekState? _prefix;
    private bool _filteredOut;
    private bool _disposed;

    public OwnedTableIterator(TableReader reader, bool fillCache, PrefixSeekState? prefix = null)
    {
        _reader = reader;
        _inner = reader.NewIterator(fillCache);
        _prefix = prefix;
    }

    public bool Valid => !_filteredOut && _inner.Valid;

    /// <summary>The last seek was answered by the prefix filter: the table has no key with the seek's prefix.</summary>
    public bool FilteredOut => _filteredOut;

    public ReadOnlySpan<byte> Key => _inner.Key;

    public ReadOnlySpan<byte> Value => _inner.Value;

    public void SeekToFirst()
    {
        _filteredOut = false;
        _inner.SeekToFirst();
    }

    public void SeekToLast()
    {
        _filteredOut = false;
        _inner.SeekToLast();
    }

    public void Seek(ReadOnlySpan<byte> target)
    {
        _filteredOut = RuledOut();
        if (!_filteredOut)
        {
            _inner.Seek(target);
        }
    }

    public void SeekForPrev(ReadOnlySpan<byte> target)
    {
        _filteredOut = RuledOut();
        if (!_filteredOut)
        {
            _inner.SeekForPrev(target);
        }
    }

    private bool RuledOut() =>
        _prefix is { Active: true } p && !_reader.PrefixMayMatch(p.PrefixHash, p.ExtractorName, p.Statistics);

    public void Next() => _inner.Next();

    public void Prev() => _inner.Prev();

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _inner.Dispose();
            _reader.Unref();
        }
    }
}
