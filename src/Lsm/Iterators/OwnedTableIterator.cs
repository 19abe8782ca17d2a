using ManagedKv.Lsm.Table;

namespace ManagedKv.Lsm.Iterators;

/// <summary>A table iterator that holds a reference on its reader and drops it on Dispose.</summary>
internal sealed class OwnedTableIterator : IInternalIterator
{
    private readonly TableReader _reader;
    private readonly IInternalIterator _inner;
    private bool _disposed;

    public OwnedTableIterator(TableReader reader, bool fillCache)
    {
        _reader = reader;
        _inner = reader.NewIterator(fillCache);
    }

    public bool Valid => _inner.Valid;

    public ReadOnlySpan<byte> Key => _inner.Key;

    public ReadOnlySpan<byte> Value => _inner.Value;

    public void SeekToFirst() => _inner.SeekToFirst();

    public void SeekToLast() => _inner.SeekToLast();

    public void Seek(ReadOnlySpan<byte> target) => _inner.Seek(target);

    public void SeekForPrev(ReadOnlySpan<byte> target) => _inner.SeekForPrev(target);

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
