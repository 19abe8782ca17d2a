using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>An <see cref="IKvCursor"/> over an <see cref="LsmIterator"/>. Not thread-safe.</summary>
internal sealed class LsmKvCursor(LsmIterator iterator) : IKvCursor
{
    public bool Valid => iterator.Valid;

    public ReadOnlySpan<byte> Key => iterator.Key;

    public ReadOnlySpan<byte> Value => iterator.Value;

    public void Seek(ReadOnlySpan<byte> key) => iterator.Seek(key);

    public void SeekForPrev(ReadOnlySpan<byte> key) => iterator.SeekForPrev(key);

    public void SeekToFirst() => iterator.SeekToFirst();

    public void SeekToLast() => iterator.SeekToLast();

    public void Next() => iterator.Next();

    public void Prev() => iterator.Prev();

    public void Dispose() => iterator.Dispose();
}
