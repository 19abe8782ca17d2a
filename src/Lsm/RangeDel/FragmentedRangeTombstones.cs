using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Util;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.RangeDel;

/// <summary>
/// Range tombstones cut into non-overlapping fragments [Start, End), each with the sequence numbers of every
/// tombstone that covers it, newest first (RocksDB's FragmentedRangeTombstoneList). Immutable after construction;
/// safe to read from any thread. Lookups are a binary search over fragment starts.
/// </summary>
internal sealed class FragmentedRangeTombstones
{
    private readonly Fragment[] _fragments; // sorted by Start; disjoint

    /// <summary>One fragment: the user-key range and the covering sequences, descending.</summary>
    internal readonly record struct Fragment(byte[] Start, byte[] End, ulong[] Sequences);

    private FragmentedRangeTombstones(Fragment[] fragments) => _fragments = fragments;

    public static readonly FragmentedRangeTombstones Empty = new([]);

    public int Count => _fragments.Length;

    public bool IsEmpty => _fragments.Length == 0;

    public ReadOnlySpan<Fragment> Fragments => _fragments;

    /// <summary>Builds the fragments of any set of (possibly overlapping) tombstones. Empty ranges are ignored.</summary>
    public static FragmentedRangeTombstones Create(List<RangeTombstone> tombstones)
    {
        if (tombstones.Count == 0)
        {
            return Empty;
        }
        var points = new List<byte[]>(tombstones.Count * 2);
        foreach (RangeTombstone t in tombstones)
        {
            if (t.Begin.AsSpan().SequenceCompareTo(t.End) < 0)
            {
                points.Add(t.Begin);
                points.Add(t.End);
            }
        }
        points.Sort(BytewiseArrayComparer.Instance);
        int unique = 0;
        for (int i = 0; i < points.Count; i++)
        {
            if (unique == 0 || !points[unique - 1].AsSpan().SequenceEqual(points[i]))
            {
                points[unique++] = points[i];
            }
        }
        points.RemoveRange(unique, points.Count - unique);
        if (points.Count < 2)
        {
            return Empty;
        }
        var seqs = new List<ulong>?[points.Count - 1];
        foreach (RangeTombstone t in tombstones)
        {
            if (t.Begin.AsSpan().SequenceCompareTo(t.End) >= 0)
            {
                continue;
            }
            int from = points.BinarySearch(t.Begin, BytewiseArrayComparer.Instance);
            int to = points.BinarySearch(t.End, BytewiseArrayComparer.Instance);
            for (int i = from; i < to; i++)
            {
                (seqs[i] ??= new List<ulong>()).Add(t.Sequence);
            }
        }
        var fragments = new List<Fragment>();
        for (int i = 0; i < seqs.Length; i++)
        {
            List<ulong>? s = seqs[i];
            if (s is null)
            {
                continue;
            }
            s.Sort(static (a, b) => b.CompareTo(a));
            int n = 0;
            for (int j = 0; j < s.Count; j++)
            {
                if (n == 0 || s[n - 1] != s[j])
                {
                    s[n++] = s[j];
                }
            }
            fragments.Add(new Fragment(points[i], points[i + 1], s.GetRange(0, n).ToArray()));
        }
        return new FragmentedRangeTombstones(fragments.ToArray());
    }

    /// <summary>Index of the fragment holding <paramref name="userKey"/>, or -1.</summary>
    public int FindFragment(ReadOnlySpan<byte> userKey)
    {
        Fragment[] f = _fragments;
        int lo = 0;
        int hi = f.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (f[mid].Start.AsSpan().SequenceCompareTo(userKey) <= 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        int index = lo - 1;
        return index >= 0 && userKey.SequenceCompareTo(f[index].End) < 0 ? index : -1;
    }

    /// <summary>The newest tombstone sequence &lt;= <paramref name="readSequence"/> covering the key, or 0 when none.</summary>
    public ulong MaxCoveringSequence(ReadOnlySpan<byte> userKey, ulong readSequence)
    {
        if (_fragments.Length == 0)
        {
            return 0;
        }
        int index = FindFragment(userKey);
        if (index < 0)
        {
            return 0;
        }
        foreach (ulong s in _fragments[index].Sequences)
        {
            if (s <= readSequence)
            {
                return s;
            }
        }
        return 0;
    }

    /// <summary>The oldest tombstone sequence &gt; <paramref name="sequence"/> covering the key, or 0 when none.</summary>
    public ulong MinCoveringSequenceAbove(ReadOnlySpan<byte> userKey, ulong sequence)
    {
        int index = FindFragment(userKey);
        if (index < 0)
        {
            return 0;
        }
        ulong[] seqs = _fragments[index].Sequences;
        for (int i = seqs.Length - 1; i >= 0; i--)
        {
            if (seqs[i] > sequence)
            {
                return seqs[i];
            }
        }
        return 0;
    }

    /// <summary>Adds the tombstones an internal iterator yields (key: begin internal key, value: end user key).</summary>
    public static void Collect(Iterators.IInternalIterator it, List<RangeTombstone> into)
    {
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            ReadOnlySpan<byte> key = it.Key;
            into.Add(new RangeTombstone(InternalKey.UserKey(key).ToArray(), it.Value.ToArray(), InternalKey.Sequence(key)));
        }
    }

    /// <summary>Adds every (fragment, sequence) pair as a tombstone.</summary>
    public void AddTo(List<RangeTombstone> into)
    {
        foreach (Fragment f in _fragments)
        {
            foreach (ulong s in f.Sequences)
            {
                into.Add(new RangeTombstone(f.Start, f.End, s));
            }
        }
    }

    /// <summary>Bytewise order over arrays.</summary>
    internal sealed class BytewiseArrayComparer : IComparer<byte[]>
    {
        public static readonly BytewiseArrayComparer Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }

    /// <summary>Encodes the fragments as a block of (begin internal key → end user key) entries, FORMAT.md "Range deletion block".</summary>
    public byte[] EncodeBlock()
    {
        var builder = new Table.BlockBuilder(1);
        foreach (Fragment f in _fragments)
        {
            foreach (ulong s in f.Sequences)
            {
                builder.Add(InternalKey.Create(f.Start, s, ValueType.RangeDeletion), f.End);
            }
        }
        return builder.Finish().ToArray();
    }

    /// <summary>Decodes a range deletion block; malformed content is corruption at <paramref name="offset"/>.</summary>
    public static FragmentedRangeTombstones DecodeBlock(byte[] block, string path, long offset)
    {
        var it = new Table.BlockIterator();
        it.Reset(block, internalKeys: true, path, offset);
        var list = new List<RangeTombstone>();
        for (it.SeekToFirst(); it.Valid; it.Next())
        {
            ReadOnlySpan<byte> key = it.Key;
            if (InternalKey.Type(key) != ValueType.RangeDeletion)
            {
                ThrowHelper.ThrowCorruption(path, offset, "range deletion block holds a non-range-deletion entry");
            }
            list.Add(new RangeTombstone(InternalKey.UserKey(key).ToArray(), it.Value.ToArray(), InternalKey.Sequence(key)));
        }
        return Create(list);
    }
}
