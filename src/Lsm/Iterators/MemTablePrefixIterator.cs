using ManagedKv.Lsm.Memtable;

namespace ManagedKv.Lsm.Iterators;

/// <summary>
/// A memtable iterator that turns invalid, without searching, on a prefix seek whose prefix the memtable's bloom
/// filter rules out (<see cref="PrefixSeekState"/>). Owns the inner iterator. Not thread-safe.
/// </summary>
internal sealed class MemTablePrefixIterator : IInternalIterator
{
    private readonly IInternalIterator _inner;
    private readonly MemTable _mem;
    private readonly PrefixSeekState _prefix;
    private bool _filteredOut;

    public MemTablePrefixIterator(IInternalIterator inner, MemTable mem, PrefixSeekState prefix)
    {
        _inner = inner;
        _mem = mem;
        _prefix = prefix;
    }

    public bool Valid => !_filteredOut && _inner.Valid;

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

    private bool RuledOut() => _prefix.Active && !_mem.PrefixMayMatch(_prefix.PrefixHash, _prefix.ExtractorName);

    public void Next() => _inner.Next();

    public void Prev() => _inner.Prev();

    public void Dispose() => _inner.Dispose();
}
