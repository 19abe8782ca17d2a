using System.Collections;
using System.Runtime.CompilerServices;

namespace ManagedKv.Raft;

/// <summary>
/// A read-only run of consecutive log entries: a slice of an entry array, usually one of the library's pooled log
/// chunks, so that messages, <see cref="Ready"/> lists and the log share entries instead of copying them.
/// </summary>
/// <remarks>
/// Lifetime: a slice handed out by the library (in a <see cref="Message"/> or a <see cref="Ready"/>) stays valid
/// until the Ready that carries it is released (see <see cref="Ready"/>); copy it (<see cref="ToArray"/>) to keep it
/// longer. A slice built by the application from its own array lives as long as that array.
/// <c>foreach</c> uses a struct enumerator; the <see cref="IReadOnlyList{T}"/> implementation is for convenience
/// (LINQ, assertions) and boxes.
/// </remarks>
[CollectionBuilder(typeof(EntrySlice), nameof(Create))]
public readonly struct EntrySlice : IReadOnlyList<Entry>
{
    private readonly Entry[]? _array;
    private readonly int _offset;
    private readonly int _length;

    /// <summary>A slice over the whole of <paramref name="array"/>.</summary>
    public EntrySlice(Entry[] array)
        : this(array, 0, array.Length)
    {
    }

    /// <summary>A slice of <paramref name="length"/> entries of <paramref name="array"/> from <paramref name="offset"/>.</summary>
    public EntrySlice(Entry[] array, int offset, int length)
    {
        if ((uint)offset > (uint)array.Length || (uint)length > (uint)(array.Length - offset))
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"[{offset}, +{length}) is outside an array of {array.Length}");
        }

        _array = array;
        _offset = offset;
        _length = length;
    }

    /// <summary>No entries.</summary>
    public static EntrySlice Empty => default;

    /// <summary>The number of entries.</summary>
    public int Length => _length;

    /// <summary>True when there are no entries.</summary>
    public bool IsEmpty => _length == 0;

    /// <summary>The entries as a span.</summary>
    public ReadOnlySpan<Entry> Span => _array is null ? default : new ReadOnlySpan<Entry>(_array, _offset, _length);

    int IReadOnlyCollection<Entry>.Count => _length;

    /// <summary>The entry at <paramref name="index"/> (0-based within the slice).</summary>
    public Entry this[int index]
    {
        get
        {
            if ((uint)index >= (uint)_length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), $"{index} is outside a slice of {_length}");
            }

            return _array![_offset + index];
        }
    }

    /// <summary>Entries from <paramref name="start"/> to the end.</summary>
    public EntrySlice Slice(int start) => Slice(start, _length - start);

    /// <summary><paramref name="length"/> entries from <paramref name="start"/>.</summary>
    public EntrySlice Slice(int start, int length)
    {
        if ((uint)start > (uint)_length || (uint)length > (uint)(_length - start))
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"[{start}, +{length}) is outside a slice of {_length}");
        }

        return length == 0 ? default : new EntrySlice(_array!, _offset + start, length);
    }

    /// <summary>A copy in a new array (to keep entries beyond the slice's lifetime).</summary>
    public Entry[] ToArray() => Span.ToArray();

    /// <summary>Builds a slice over a copy of <paramref name="entries"/> (collection expressions use this).</summary>
    public static EntrySlice Create(ReadOnlySpan<Entry> entries) => entries.IsEmpty ? default : new EntrySlice(entries.ToArray());

    /// <summary>A slice over the whole array.</summary>
    public static implicit operator EntrySlice(Entry[]? array) => array is null || array.Length == 0 ? default : new EntrySlice(array);

    /// <summary>The entries as a span.</summary>
    public static implicit operator ReadOnlySpan<Entry>(EntrySlice slice) => slice.Span;

    /// <summary>A struct enumerator: <c>foreach</c> over a slice allocates nothing.</summary>
    public Enumerator GetEnumerator() => new(this);

    IEnumerator<Entry> IEnumerable<Entry>.GetEnumerator()
    {
        for (int i = 0; i < _length; i++)
        {
            yield return _array![_offset + i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<Entry>)this).GetEnumerator();

    /// <inheritdoc/>
    public override string ToString() => $"EntrySlice[{_length}]";

    /// <summary>Enumerates a <see cref="EntrySlice"/> without allocating.</summary>
    public struct Enumerator
    {
        private readonly Entry[]? _array;
        private readonly int _end;
        private int _index;

        internal Enumerator(EntrySlice slice)
        {
            _array = slice._array;
            _index = slice._offset - 1;
            _end = slice._offset + slice._length;
        }

        /// <summary>The current entry.</summary>
        public readonly Entry Current => _array![_index];

        /// <summary>Moves to the next entry.</summary>
        public bool MoveNext() => ++_index < _end;
    }
}
