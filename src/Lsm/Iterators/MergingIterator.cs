using ManagedKv.Lsm.Keys;

namespace ManagedKv.Lsm.Iterators;

/// <summary>
/// Merges sorted child iterators into one sorted stream of internal keys, both directions (leveldb's
/// MergingIterator with a binary heap of children: a min-heap moving forward, a max-heap moving backward).
/// Switching direction re-positions every child around the current key. Owns and disposes its children.
/// Not thread-safe.
/// </summary>
internal sealed class MergingIterator : IInternalIterator
{
    private readonly IInternalIterator[] _children;
    private readonly int[] _heap; // indices of valid children; heap order by current key (min or max by _forward)
    private int _heapSize;
    private bool _forward = true;
    private byte[] _scratch = new byte[64];

    public MergingIterator(IInternalIterator[] children)
    {
        _children = children;
        _heap = new int[children.Length];
    }

    public bool Valid => _heapSize > 0;

    public ReadOnlySpan<byte> Key => _children[_heap[0]].Key;

    public ReadOnlySpan<byte> Value => _children[_heap[0]].Value;

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
        IInternalIterator top = _children[_heap[0]];
        Move(top, forward);
        if (top.Valid)
        {
            SiftDown(0);
        }
        else
        {
            RemoveTop();
        }
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
            if (_children[i].Valid)
            {
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
        int c = InternalKey.Compare(_children[a].Key, _children[b].Key);
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
