using ManagedKv.Lsm;
using ManagedKv.Txn;

namespace ManagedKv.Node.Kv;

/// <summary>
/// A cursor of <see cref="RaftKvSnapshot"/>: an Lsm iterator bounded to the region's data keys, showing keys without
/// the <c>z</c> prefix and adding it to seek targets. One thread at a time.
/// </summary>
internal sealed class RaftKvCursor(LsmIterator iterator) : IKvCursor
{
    private byte[]? _seekKey;

    public bool Valid => iterator.Valid;

    public ReadOnlySpan<byte> Key => iterator.Key[1..];

    public ReadOnlySpan<byte> Value => iterator.Value;

    public void Seek(ReadOnlySpan<byte> key) => iterator.Seek(KvApplyHandler.DataKey(ref _seekKey, key));

    public void SeekForPrev(ReadOnlySpan<byte> key) => iterator.SeekForPrev(KvApplyHandler.DataKey(ref _seekKey, key));

    public void SeekToFirst() => iterator.SeekToFirst();

    public void SeekToLast() => iterator.SeekToLast();

    public void Next() => iterator.Next();

    public void Prev() => iterator.Prev();

    public void Dispose() => iterator.Dispose();
}
