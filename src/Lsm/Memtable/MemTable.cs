using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ValueType = ManagedKv.Lsm.Keys.ValueType;

namespace ManagedKv.Lsm.Memtable;

/// <summary>
/// An in-memory sorted buffer of writes: a <see cref="SkipList"/> of entries (internal key + value) in an
/// <see cref="Arena"/> of pooled chunks. Point entries (Value, Deletion) and range tombstones (RangeDeletion:
/// user key = begin, value = end) live in two separate lists, as in RocksDB; <see cref="Get"/> and
/// <see cref="NewIterator"/> see point entries only, the DB applies <see cref="NewRangeTombstoneIterator"/>.
///
/// Threads: <see cref="Add"/> from many threads concurrently; <see cref="Get"/> and iterators from any thread
/// without locks, concurrently with Add. Lifetime: reference counted; the creator holds the first reference,
/// each iterator holds one until disposed, and the last <see cref="Unref"/> returns the arena's chunks to the pool.
/// Nothing may touch the memtable after its last reference is gone.
/// </summary>
internal sealed unsafe class MemTable
{
    private readonly Arena _arena;
    private readonly SkipList _points;
    private readonly SkipList _rangeDeletions;
    private readonly Filter.MemTableBloomFilter? _bloom;  // null unless MemTableOptions.BloomBits > 0
    private readonly ISliceTransform? _bloomPrefix;
    private readonly bool _bloomWholeKey;
    private readonly LsmStatistics? _statistics;

    private long _numEntries;
    private long _numDeletes;
    private long _numRangeDeletes;
    private ulong _firstSequence = ulong.MaxValue;   // smallest sequence added; MaxValue while empty
    private ulong _largestSequence;
    private int _refs = 1;

    /// <summary>Creates an empty memtable; the caller owns its first reference.</summary>
    public MemTable(ulong id, MemTableOptions? options = null)
    {
        Id = id;
        options ??= MemTableOptions.Default;
        _arena = new Arena(options.ChunkPool);
        if (options.BloomBits > 0 && (options.PrefixExtractor != null || options.WholeKeyFiltering))
        {
            _bloom = new Filter.MemTableBloomFilter(options.BloomBits);
            _bloomPrefix = options.PrefixExtractor;
            _bloomWholeKey = options.WholeKeyFiltering;
        }
        _statistics = options.Statistics;
        _points = new SkipList(_arena);
        _rangeDeletions = new SkipList(_arena);
    }

    /// <summary>The identifier the DB gave this memtable (e.g. for logs and flush bookkeeping).</summary>
    public ulong Id { get; }

    /// <summary>Arena bytes used by entries (memtable size for the WriteBufferSize flush trigger).</summary>
    public long ApproximateMemoryUsage => _arena.AllocatedBytes;

    /// <summary>Bytes of arena chunks held plus the bloom filter (the memory cost reported in memory accounting).</summary>
    public long MemoryUsage => _arena.MemoryUsage + (_bloom?.MemoryUsage ?? 0);

    /// <summary>Entries added, range tombstones included.</summary>
    public ulong NumEntries => (ulong)Volatile.Read(ref _numEntries);

    /// <summary>Point deletions added.</summary>
    public ulong NumDeletes => (ulong)Volatile.Read(ref _numDeletes);

    /// <summary>Range tombstones added.</summary>
    public ulong NumRangeDeletes => (ulong)Volatile.Read(ref _numRangeDeletes);

    /// <summary>Smallest sequence number added; 0 while empty.</summary>
    public ulong FirstSequence
    {
        get
        {
            ulong first = Volatile.Read(ref _firstSequence);
            return first == ulong.MaxValue ? 0 : first;
        }
    }

    /// <summary>Largest sequence number added; 0 while empty.</summary>
    public ulong LargestSequence => Volatile.Read(ref _largestSequence);

    /// <summary>True while nothing was added.</summary>
    public bool IsEmpty => Volatile.Read(ref _numEntries) == 0;

    /// <summary>
    /// Adds an entry. Thread-safe and allocation-free. REQUIRES: (userKey, sequence, type) not added before;
    /// sequence &lt;= <see cref="SequenceNumber.Max"/>. For <see cref="ValueType.RangeDeletion"/>, userKey is the
    /// inclusive begin and value the exclusive end of the range.
    /// </summary>
    public void Add(ulong sequence, ValueType type, ReadOnlySpan<byte> userKey, ReadOnlySpan<byte> value)
    {
        if (!ValueTypes.IsValid((byte)type))
        {
            Util.ThrowHelper.ThrowArgument($"Unknown value type {(byte)type}.", nameof(type));
        }
        if (sequence > SequenceNumber.Max)
        {
            Util.ThrowHelper.ThrowArgument($"Sequence {sequence} exceeds the largest sequence number.", nameof(sequence));
        }
        Debug.Assert(Volatile.Read(ref _refs) > 0);
        if (_bloom != null && type != ValueType.RangeDeletion)
        {
            AddToBloom(userKey); // before the entry is published: a reader that finds the entry finds its bits
        }
        SkipList list = type == ValueType.RangeDeletion ? _rangeDeletions : _points;
        int length = MemTableEntry.EncodedLength(userKey.Length, value.Length);
        byte* node = list.AllocateNode(length);
        MemTableEntry.Encode(new Span<byte>(node, length), sequence, type, userKey, value);
        list.Insert(node);

        Interlocked.Increment(ref _numEntries);
        if (type == ValueType.Deletion)
        {
            Interlocked.Increment(ref _numDeletes);
        }
        else if (type == ValueType.RangeDeletion)
        {
            Interlocked.Increment(ref _numRangeDeletes);
        }
        UpdateSequenceBounds(sequence);
    }

    /// <summary>
    /// Finds the newest point entry for <paramref name="userKey"/> with sequence &lt;= <paramref name="sequence"/>:
    /// <see cref="LookupResult.Found"/> (its value appended to <paramref name="value"/> when not null),
    /// <see cref="LookupResult.Deleted"/>, or <see cref="LookupResult.NotFound"/>. Allocation-free, lock-free.
    /// </summary>
    public LookupResult Get(ReadOnlySpan<byte> userKey, ulong sequence, IBufferWriter<byte>? value) => Get(userKey, sequence, value, out _);

    /// <summary>As <see cref="Get(ReadOnlySpan{byte}, ulong, IBufferWriter{byte}?)"/>, also giving the sequence of the entry found.</summary>
    public LookupResult Get(ReadOnlySpan<byte> userKey, ulong sequence, IBufferWriter<byte>? value, out ulong foundSequence)
    {
        foundSequence = 0;
        if (_bloom != null && !BloomMayContainForGet(userKey))
        {
            return LookupResult.NotFound;
        }
        ulong trailer = InternalKey.PackTrailer(Math.Min(sequence, SequenceNumber.Max), ValueTypes.ForSeek);
        byte* node = _points.FindGreaterOrEqual(userKey, trailer);
        if (node == null)
        {
            return LookupResult.NotFound;
        }
        ReadOnlySpan<byte> key = MemTableEntry.InternalKeyOf(node);
        if (!key[..^InternalKey.TrailerSize].SequenceEqual(userKey))
        {
            return LookupResult.NotFound;
        }
        foundSequence = InternalKey.Sequence(key);
        if ((ValueType)key[^InternalKey.TrailerSize] == ValueType.Deletion)
        {
            return LookupResult.Deleted;
        }
        if (value is not null)
        {
            ReadOnlySpan<byte> found = MemTableEntry.ValueOf(node);
            found.CopyTo(value.GetSpan(found.Length));
            value.Advance(found.Length);
        }
        return LookupResult.Found;
    }

    private void AddToBloom(ReadOnlySpan<byte> userKey)
    {
        if (_bloomWholeKey)
        {
            _bloom!.Add(Table.BloomFilterBuilder.Hash(userKey));
        }
        if (_bloomPrefix != null && _bloomPrefix.InDomain(userKey))
        {
            _bloom!.Add(Table.BloomFilterBuilder.Hash(_bloomPrefix.Transform(userKey)));
        }
    }

    private bool BloomMayContainForGet(ReadOnlySpan<byte> userKey)
    {
        ulong hash;
        if (_bloomWholeKey)
        {
            hash = Table.BloomFilterBuilder.Hash(userKey);
        }
        else if (_bloomPrefix != null && _bloomPrefix.InDomain(userKey))
        {
            hash = Table.BloomFilterBuilder.Hash(_bloomPrefix.Transform(userKey));
        }
        else
        {
            return true;
        }
        return BloomCheck(hash);
    }

    /// <summary>
    /// False when the bloom filter proves no point entry has a key whose prefix (under the extractor named
    /// <paramref name="extractorName"/>) hashes to <paramref name="prefixHash"/>. True when there is no prefix bloom.
    /// </summary>
    public bool PrefixMayMatch(ulong prefixHash, string extractorName)
    {
        if (_bloom == null || _bloomPrefix == null || _bloomPrefix.Name != extractorName)
        {
            return true;
        }
        return BloomCheck(prefixHash);
    }

    private bool BloomCheck(ulong hash)
    {
        bool may = _bloom!.MayContain(hash);
        if (_statistics != null)
        {
            _statistics.Record(Ticker.MemtableBloomChecked);
            if (!may)
            {
                _statistics.Record(Ticker.MemtableBloomUseful);
            }
        }
        return may;
    }

    /// <summary>A cursor over the point entries (holds a reference until disposed).</summary>
    public IInternalIterator NewIterator() => new MemTableIterator(this, _points);

    /// <summary>A cursor over the range tombstones (key: begin internal key, value: end user key), or null when there are none.</summary>
    public IInternalIterator? NewRangeTombstoneIterator() =>
        Volatile.Read(ref _numRangeDeletes) == 0 ? null : new MemTableIterator(this, _rangeDeletions);

    /// <summary>Takes a reference. REQUIRES: the caller already holds one (the memtable is alive).</summary>
    public void Ref()
    {
        int refs = Interlocked.Increment(ref _refs);
        if (refs <= 1)
        {
            Util.ThrowHelper.ThrowInvalidOperation($"MemTable {Id} referenced after it was freed (references {refs - 1}).");
        }
    }

    /// <summary>Drops a reference; the last one frees the arena. Returns true when this call freed the memtable.</summary>
    public bool Unref()
    {
        int refs = Interlocked.Decrement(ref _refs);
        if (refs > 0)
        {
            return false;
        }
        if (refs < 0)
        {
            Util.ThrowHelper.ThrowInvalidOperation($"MemTable {Id} unreferenced more often than referenced (references {refs}).");
        }
        _arena.Dispose();
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void UpdateSequenceBounds(ulong sequence)
    {
        ulong largest = Volatile.Read(ref _largestSequence);
        while (sequence > largest)
        {
            ulong seen = Interlocked.CompareExchange(ref _largestSequence, sequence, largest);
            if (seen == largest)
            {
                break;
            }
            largest = seen;
        }
        ulong first = Volatile.Read(ref _firstSequence);
        while (sequence < first)
        {
            ulong seen = Interlocked.CompareExchange(ref _firstSequence, sequence, first);
            if (seen == first)
            {
                break;
            }
            first = seen;
        }
    }
}
