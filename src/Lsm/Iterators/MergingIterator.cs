using ManagedKv.Lsm.Keys;

namespace ManagedKv.Lsm.Iterators;

/// <summary>
/// Merges sorted child iterators into one sorted stream of internal keys, both directions (leveldb's
/// MergingIterator with a binary heap of children: a min-heap moving forward, a max-heap moving backward).
/// Switching direction re-positions every child around the current key. Owns and disposes its children.
/// Like RocksDB's IteratorWrapper, it keeps each valid child's current key (a copy, refreshed once per move of that
/// child) and the key's first 8 user-key bytes as a big-endian number: heap compares are mostly one integer compare,
/// and reading keys never goes back through the children's layers (level → table → block).
/// Not thread-safe.
/// </summary>
internal sealed class MergingIterator : IInternalIterator
{
    private readonly IInternalIterator[] _children;
    private readonly int[] _heap; // indices of valid children; heap order by current key (min or max by _forward)
    private readonly byte[][] _keys;      // per child: its current key in [0.._keyLengths[i]) while it is in the heap
    private readonly int[] _keyLengths;
    private readonly ulong[] _prefixes;   // per child: BlockIterator.KeyPrefix of its current user key
    private int _heapSize;
    private bool _forward = true;
    private byte[] _scratch = new byte[64];

    public MergingIterator(IInternalIterator[] children)
    {
        _children = children;
        _heap = new int[children.Length];
        _keys = new byte[children.Length][];
        for (int i = 0; i < _keys.Length; i++)
        {
            _keys[i] = new byte[32];
        }
        _keyLengths = new int[children.Length];
        _prefixes = new ulong[children.Length];
    }

    public bool Valid => _heapSize > 0;

    public ReadOnlySpan<byte> Key
    {
        get
        {
            int top = _heap[0];
            return new ReadOnlySpan<byte>(_keys[top], 0, _keyLengths[top]);
        }
    }

    public ReadOnlySpan<byte> Value
    {
        get
        {
            IInternalIterator c = _children[_heap[0]];
            if (c is LevelIterator level)
            {
                return level.Value;
            }
            return c is OwnedTableIterator table ? table.Value : c.Value;
        }
    }

    internal IInternalIterator Current => _children[_heap[0]];

    public void SeekToFirst()
    {
        foreach (IInternalIterator c in _children)
        {
            c.SeekToFirst();
        }
        Rebuild(forward: true);
    }

    public void SeekToLast()
    {
        foreach (IInternalIterator c in _children)
        {
            c.SeekToLast();
        }
        Rebuild(forward: false);
    }

    public void Seek(ReadOnlySpan<byte> target)
    {
        foreach (IInternalIterator c in _children)
        {
            c.Seek(target);
        }
        Rebuild(forward: true);
    }

    public void SeekForPrev(ReadOnlySpan<byte> target)
    {
        foreach (IInternalIterator c in _children)
        {
            c.SeekForPrev(target);
        }
        Rebuild(forward: false);
    }

    public void Next() => Step(forward: true);

    public void Prev() => Step(forward: false);

    private void Step(bool forward)
    {
        if (_forward != forward)
        {
            // Every child other than the current one moves to its first key past the current key in the new direction.
            ReadOnlySpan<byte> key = SaveKey();
            int current = _heap[0];
            for (int i = 0; i < _children.Length; i++)
            {
                if (i == current)
                {
                    continue;
                }
                IInternalIterator c = _children[i];
                if (forward)
                {
                    c.Seek(key);
                }
                else
                {
                    c.SeekForPrev(key);
                }
                if (c.Valid && InternalKey.Compare(c.Key, key) == 0)
                {
                    Move(c, forward);
                }
            }
            Move(_children[current], forward);
            Rebuild(forward);
            return;
        }
        if (MoveChild(_heap[0], forward))
        {
            if (_heapSize > 1)
            {
                SiftDown(0);
            }
        }
        else
        {
            RemoveTop();
        }
    }

    /// <summary>
    /// Steps child <paramref name="i"/> and loads its key; false when it ran out. The usual child types are called
    /// directly (sealed classes: no interface dispatch, and their small members inline).
    /// </summary>
    private bool MoveChild(int i, bool forward)
    {
        IInternalIterator c = _children[i];
        if (c is LevelIterator level)
        {
            if (forward)
            {
                level.Next();
            }
            else
            {
                level.Prev();
            }
            if (!level.Valid)
            {
                return false;
            }
            Load(i, level.Key);
            return true;
        }
        if (c is OwnedTableIterator table)
        {
            if (forward)
            {
                table.Next();
            }
            else
            {
                table.Prev();
            }
            if (!table.Valid)
            {
                return false;
            }
            Load(i, table.Key);
            return true;
        }
        Move(c, forward);
        if (!c.Valid)
        {
            return false;
        }
        Load(i, c.Key);
        return true;
    }

    /// <summary>Copies child <paramref name="i"/>'s current key.</summary>
    private void Load(int i, ReadOnlySpan<byte> key)
    {
        byte[] copy = _keys[i];
        if (copy.Length < key.Length)
        {
            copy = _keys[i] = new byte[Math.Max(key.Length, copy.Length * 2)];
        }
        key.CopyTo(copy);
        _keyLengths[i] = key.Length;
        _prefixes[i] = Table.BlockIterator.KeyPrefix(InternalKey.UserKey(key));
    }

    private static void Move(IInternalIterator c, bool forward)
    {
        if (forward)
        {
            c.Next();
        }
        else
        {
            c.Prev();
        }
    }

    private ReadOnlySpan<byte> SaveKey()
    {
        ReadOnlySpan<byte> key = Key;
        if (_scratch.Length < key.Length)
        {
            _scratch = new byte[Math.Max(key.Length, _scratch.Length * 2)];
        }
        key.CopyTo(_scratch);
        return _scratch.AsSpan(0, key.Length);
    }

    private void Rebuild(bool forward)
    {
        _forward = forward;
        _heapSize = 0;
        for (int i = 0; i < _children.Length; i++)
        {
            IInternalIterator c = _children[i];
            if (c.Valid)
            {
                Load(i, c.Key);
                _heap[_heapSize++] = i;
            }
        }
        for (int i = (_heapSize >> 1) - 1; i >= 0; i--)
        {
            SiftDown(i);
        }
    }

    private void RemoveTop()
    {
        _heapSize--;
        if (_heapSize > 0)
        {
            _heap[0] = _heap[_heapSize];
            SiftDown(0);
        }
    }

    // True when child a should sit above child b in the heap. Ties (equal internal keys cannot come from
    // different sources in a consistent DB) break by child index so order is deterministic.
    private bool Before(int a, int b)
    {
        ulong pa = _prefixes[a];
        ulong pb = _prefixes[b];
        if (pa != pb)
        {
            return _forward ? pa < pb : pa > pb;
        }
        int c = InternalKey.Compare(new ReadOnlySpan<byte>(_keys[a], 0, _keyLengths[a]), new ReadOnlySpan<byte>(_keys[b], 0, _keyLengths[b]));
        if (c == 0)
        {
            return a < b;
        }
        return _forward ? c < 0 : c > 0;
    }

    private void SiftDown(int i)
    {
        int[] heap = _heap;
        int n = _heapSize;
        int item = heap[i];
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= n)
            {
                break;
            }
            if (child + 1 < n && Before(heap[child + 1], heap[child]))
            {
                child++;
            }
            if (!Before(heap[child], item))
            {
                break;
            }
            heap[i] = heap[child];
            i = child;
        }
        heap[i] = item;
    }

    public void Dispose()
    {
        foreach (IInternalIterator c in _children)
        {
            c.Dispose();
        }
        _heapSize = 0;
    }
}
