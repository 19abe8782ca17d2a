using ManagedKv.Lsm.Table;

namespace ManagedKv.Lsm.Iterators;

/// <summary>
/// A table iterator over a reader reference the caller acquired (from the table cache): it adopts that reference and
/// drops it on Dispose. Calls go straight to the sealed <see cref="TableIterator"/> (no second interface dispatch,
/// no second reference).
/// </summary>
internal sealed class OwnedTableIterator : IInternalIterator
{
    private readonly TableIterator _inner;

    public OwnedTableIterator(TableReader reader, bool fillCache) => _inner = new TableIterator(reader, fillCache);

    public bool Valid => _inner.Valid;

    public ReadOnlySpan<byte> Key => _inner.Key;

    public ReadOnlySpan<byte> Value => _inner.Value;

    public void SeekToFirst() => _inner.SeekToFirst();

    public void SeekToLast() => _inner.SeekToLast();

    public void Seek(ReadOnlySpan<byte> target) => _inner.Seek(target);

    public void SeekForPrev(ReadOnlySpan<byte> target) => _inner.SeekForPrev(target);

    public void Next() => _inner.Next();

    public void Prev() => _inner.Prev();

    public void Dispose() => _inner.Dispose();
}
