using ManagedKv.Lsm.Ingest;
using ManagedKv.Lsm.Table;

namespace ManagedKv.Lsm.Iterators;

/// <summary>
/// A table iterator over a reader reference the caller acquired (from the table cache): it adopts that reference and
/// drops it on Dispose. Calls go straight to the sealed <see cref="TableIterator"/> (no second interface dispatch, no
/// second reference), through a <see cref="GlobalSequenceIterator"/> only for an ingested file. With a
/// <see cref="PrefixSeekState"/>, a seek whose prefix the table's filter rules out leaves it invalid without reading
/// a block (<see cref="FilteredOut"/>).
/// Reusable: <see cref="Reset"/> binds it to another table (a level iterator keeps one and resets it onto each file
/// it crosses, so crossing a file boundary allocates nothing). Not thread-safe.
/// </summary>
internal sealed class OwnedTableIterator : IInternalIterator
{
    private readonly TableIterator _table;
    private readonly PrefixSeekState? _prefix;
    private GlobalSequenceIterator? _global; // wraps _table while it reads an ingested file
    private bool _filteredOut;

    public OwnedTableIterator(TableReader reader, bool fillCache, PrefixSeekState? prefix = null)
    {
        _table = new TableIterator();
        _prefix = prefix;
        Reset(reader, fillCache);
    }

    /// <summary>An iterator bound to no table yet: <see cref="Reset"/> it before use.</summary>
    public OwnedTableIterator(PrefixSeekState? prefix)
    {
        _table = new TableIterator();
        _prefix = prefix;
    }

    public bool Valid => !_filteredOut && (_global != null ? _global.Valid : _table.Valid);

    /// <summary>The last seek was answered by the prefix filter: the table has no key with the seek's prefix.</summary>
    public bool FilteredOut => _filteredOut;

    public ReadOnlySpan<byte> Key => _global != null ? _global.Key : _table.Key;

    public ReadOnlySpan<byte> Value => _table.Value;

    /// <summary>
    /// Binds the iterator to <paramref name="reader"/>, adopting one reference the caller took on it, and drops the
    /// previous table's blocks and reference. Not positioned afterwards. On failure the reference is dropped.
    /// </summary>
    public void Reset(TableReader reader, bool fillCache)
    {
        _filteredOut = false;
        _global = null;
        _table.Reset(reader, fillCache);
        ulong globalSequence = reader.GlobalSequence;
        if (globalSequence != 0)
        {
            _global = new GlobalSequenceIterator(_table, globalSequence);
        }
    }

    public void SeekToFirst()
    {
        _filteredOut = false;
        if (_global != null)
        {
            _global.SeekToFirst();
        }
        else
        {
            _table.SeekToFirst();
        }
    }

    public void SeekToLast()
    {
        _filteredOut = false;
        if (_global != null)
        {
            _global.SeekToLast();
        }
        else
        {
            _table.SeekToLast();
        }
    }

    public void Seek(ReadOnlySpan<byte> target)
    {
        _filteredOut = RuledOut();
        if (_filteredOut)
        {
            return;
        }
        if (_global != null)
        {
            _global.Seek(target);
        }
        else
        {
            _table.Seek(target);
        }
    }

    public void SeekForPrev(ReadOnlySpan<byte> target)
    {
        _filteredOut = RuledOut();
        if (_filteredOut)
        {
            return;
        }
        if (_global != null)
        {
            _global.SeekForPrev(target);
        }
        else
        {
            _table.SeekForPrev(target);
        }
    }

    private bool RuledOut() =>
        _prefix is { Active: true } p && _table.Reader is { } reader && !reader.PrefixMayMatch(p.PrefixHash, p.ExtractorName, p.Statistics);

    public void Next()
    {
        if (_global != null)
        {
            _global.Next();
        }
        else
        {
            _table.Next();
        }
    }

    public void Prev()
    {
        if (_global != null)
        {
            _global.Prev();
        }
        else
        {
            _table.Prev();
        }
    }

    /// <summary>Drops the blocks and the table reference; the iterator stays reusable through <see cref="Reset"/>.</summary>
    public void Dispose()
    {
        _global = null;
        _filteredOut = false;
        _table.Dispose();
    }
}
