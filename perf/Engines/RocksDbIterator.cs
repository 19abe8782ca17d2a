using RocksDbSharp;

namespace ManagedKv.Perf.Engines;

/// <summary>A native RocksDB iterator; key and value spans point into RocksDB's memory until the next move.</summary>
internal sealed class RocksDbIterator : IBenchIterator
{
    private readonly Iterator _iterator;

    public RocksDbIterator(Iterator iterator) => _iterator = iterator;

    public bool Valid => _iterator.Valid();

    public ReadOnlySpan<byte> Key => _iterator.GetKeySpan();

    public ReadOnlySpan<byte> Value => _iterator.GetValueSpan();

    public void SeekToFirst() => _iterator.SeekToFirst();

    public void SeekToLast() => _iterator.SeekToLast();

    public void Seek(ReadOnlySpan<byte> key) => _iterator.Seek(key);

    public void Next() => _iterator.Next();

    public void Prev() => _iterator.Prev();

    public void Dispose() => _iterator.Dispose();
}
