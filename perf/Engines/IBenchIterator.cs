namespace ManagedKv.Perf.Engines;

/// <summary>
/// A two-direction iterator over an engine, RocksDB-shaped. <see cref="Key"/> and <see cref="Value"/> are valid until
/// the next move. One thread at a time; dispose to release the engine resources it pins.
/// </summary>
internal interface IBenchIterator : IDisposable
{
    bool Valid { get; }

    ReadOnlySpan<byte> Key { get; }

    ReadOnlySpan<byte> Value { get; }

    void SeekToFirst();

    void SeekToLast();

    void Seek(ReadOnlySpan<byte> key);

    void Next();

    void Prev();
}
