using ManagedKv.Lsm;

namespace ManagedKv.Perf.Engines;

/// <summary>A ManagedKv <see cref="LsmIterator"/> behind <see cref="IBenchIterator"/>.</summary>
internal sealed class ManagedKvIterator : IBenchIterator
{
    private readonly LsmIterator _iterator;

    public ManagedKvIterator(LsmIterator iterator) => _iterator = iterator;

    public bool Valid => _iterator.Valid;

    public ReadOnlySpan<byte> Key => _iterator.Key;

    public ReadOnlySpan<byte> Value => _iterator.Value;

    public void SeekToFirst() => _iterator.SeekToFirst();

    public void SeekToLast() => _iterator.SeekToLast();

    public void Seek(ReadOnlySpan<byte> key) => _iterator.Seek(key);

    public void Next() => _iterator.Next();

    public void Prev() => _iterator.Prev();

    public void Dispose() => _iterator.Dispose();
}
