using System.Buffers.Binary;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;

namespace ManagedKv.Lsm.Memtable;

/// <summary>
/// Two-direction cursor over one skiplist of a <see cref="MemTable"/>. Next follows the bottom level; Prev searches
/// for the predecessor from the top (O(log n), as leveldb does) because nodes have no back links. Sees entries
/// inserted concurrently if they land ahead of it. Holds a memtable reference until disposed.
/// Not thread-safe: one thread drives it.
/// </summary>
internal sealed unsafe class MemTableIterator : IInternalIterator
{
    private readonly MemTable _owner;
    private readonly SkipList _list;
    private byte* _node;    // current entry, null when not valid
    private bool _disposed;

    public MemTableIterator(MemTable owner, SkipList list)
    {
        owner.Ref();
        _owner = owner;
        _list = list;
    }

    public bool Valid => _node != null;

    public ReadOnlySpan<byte> Key
    {
        get
        {
            ThrowIfInvalid();
            return MemTableEntry.InternalKeyOf(_node);
        }
    }

    public ReadOnlySpan<byte> Value
    {
        get
        {
            ThrowIfInvalid();
            return MemTableEntry.ValueOf(_node);
        }
    }

    public void SeekToFirst()
    {
        ThrowIfDisposed();
        _node = _list.First();
    }

    public void SeekToLast()
    {
        ThrowIfDisposed();
        _node = _list.Last();
    }

    public void Seek(ReadOnlySpan<byte> target)
    {
        ThrowIfDisposed();
        Split(target, out ReadOnlySpan<byte> userKey, out ulong trailer);
        _node = _list.FindGreaterOrEqual(userKey, trailer);
    }

    public void SeekForPrev(ReadOnlySpan<byte> target)
    {
        ThrowIfDisposed();
        Split(target, out ReadOnlySpan<byte> userKey, out ulong trailer);
        byte* node = _list.FindGreaterOrEqual(userKey, trailer);
        _node = node != null && MemTableEntry.CompareKey(node, userKey, trailer) == 0
            ? node
            : _list.FindLessThan(userKey, trailer);
    }

    public void Next()
    {
        ThrowIfInvalid();
        _node = SkipList.Next(_node);
    }

    public void Prev()
    {
        ThrowIfInvalid();
        Split(MemTableEntry.InternalKeyOf(_node), out ReadOnlySpan<byte> userKey, out ulong trailer);
        _node = _list.FindLessThan(userKey, trailer);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _node = null;
        _owner.Unref();
    }

    private static void Split(ReadOnlySpan<byte> internalKey, out ReadOnlySpan<byte> userKey, out ulong trailer)
    {
        if (internalKey.Length < InternalKey.TrailerSize)
        {
            Util.ThrowHelper.ThrowArgument("An internal key has at least 8 bytes.", nameof(internalKey));
        }
        userKey = internalKey[..^InternalKey.TrailerSize];
        trailer = BinaryPrimitives.ReadUInt64LittleEndian(internalKey[^InternalKey.TrailerSize..]);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            Util.ThrowHelper.ThrowObjectDisposed(nameof(MemTableIterator));
        }
    }

    private void ThrowIfInvalid()
    {
        ThrowIfDisposed();
        if (_node == null)
        {
            Util.ThrowHelper.ThrowInvalidOperation("The memtable iterator is not positioned on an entry.");
        }
    }
}
