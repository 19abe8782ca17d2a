using ManagedKv.Raft;

namespace ManagedKv.Node.Store;

/// <summary>
/// Raft entries encoded back to back into one reusable buffer (<see cref="RaftEntryCodec"/>), viewed as the list of
/// byte strings <see cref="RaftEngine.LogBatch.AddEntries"/> takes. Owned by one writer thread; allocates only to grow.
/// </summary>
internal sealed class EncodedEntryList : IReadOnlyList<ReadOnlyMemory<byte>>
{
    private byte[] _buffer = new byte[4096];
    private int[] _ends = new int[64];
    private int _count;
    private int _length;

    public int Count => _count;

    /// <summary>Bytes held by the buffers (for memory accounting).</summary>
    public long CapacityBytes => _buffer.Length + (_ends.Length * 4L);

    public ReadOnlyMemory<byte> this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"{index} is outside a list of {_count}");
            }

            int start = index == 0 ? 0 : _ends[index - 1];
            return new ReadOnlyMemory<byte>(_buffer, start, _ends[index] - start);
        }
    }

    public void Add(in Entry entry)
    {
        int size = RaftEntryCodec.GetEncodedLength(entry);
        if (_buffer.Length - _length < size)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        }

        if (_count == _ends.Length)
        {
            Array.Resize(ref _ends, _ends.Length * 2);
        }

        _length += RaftEntryCodec.Encode(entry, _buffer.AsSpan(_length));
        _ends[_count++] = _length;
    }

    public void Clear()
    {
        _count = 0;
        _length = 0;
    }

    public IEnumerator<ReadOnlyMemory<byte>> GetEnumerator()
    {
        for (int i = 0; i < _count; i++)
        {
            yield return this[i];
        }
    }

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
