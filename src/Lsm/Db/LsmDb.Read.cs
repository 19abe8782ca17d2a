using System.Buffers;
using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Memtable;
using ManagedKv.Lsm.RangeDel;

namespace ManagedKv.Lsm;

// The read path: a super version (memtables + version) acquired without a lock, then memtable → immutable
// memtables (newest first) → L0 newest first → L1..Ln by binary search; each table checks its bloom filter first.
public sealed partial class LsmDb
{
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_valueBuffer;

    // Snapshot list, guarded by _mutex: a circular doubly linked list in creation (= sequence) order.
    private readonly Snapshot _snapshotHead = new(null!, 0);
    private int _snapshotCount;

    /// <summary>Returns the value of <paramref name="key"/> in the default column family, or null.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key, ReadOptions? options = null) => Get(_defaultCf, key, options);

    /// <summary>Returns the value of <paramref name="key"/> in <paramref name="cf"/>, or null.</summary>
    public byte[]? Get(ColumnFamily cf, ReadOnlySpan<byte> key, ReadOptions? options = null)
    {
        ArrayBufferWriter<byte> buffer = t_valueBuffer ??= new ArrayBufferWriter<byte>(256);
        buffer.ResetWrittenCount();
        if (!TryGet(cf, key, buffer, options))
        {
            return null;
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Allocation-free lookup: writes the value of <paramref name="key"/> into <paramref name="value"/> and returns true,
    /// or returns false when the key has no value. Reuse the buffer across calls.
    /// </summary>
    public bool TryGet(ColumnFamily cf, ReadOnlySpan<byte> key, IBufferWriter<byte> value, ReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cf);
        ArgumentNullException.ThrowIfNull(value);
        CheckColumnFamily(cf);
        options ??= ReadOptions.Default;
        ulong sequence = options.Snapshot is { } snapshot ? SnapshotSequence(snapshot) : Volatile.Read(ref _lastSequence);
        _statistics.Record(Ticker.NumberKeysRead);
        SuperVersion sv = cf.AcquireSuperVersion();
        try
        {
            // maxTombstone: the newest range tombstone seen so far that covers the key (0: none). Sources are searched
            // newest first, so a point entry older than it is deleted.
            ulong maxTombstone = 0;
            LookupResult r = GetFromMemTable(sv.Mem, key, sequence, value, ref maxTombstone);
            if (r == LookupResult.NotFound)
            {
                MemTable[] imms = sv.Immutables;
                for (int i = 0; i < imms.Length && r == LookupResult.NotFound; i++)
                {
                    r = GetFromMemTable(imms[i], key, sequence, value, ref maxTombstone);
                }
                if (r == LookupResult.NotFound)
                {
                    r = sv.Current.Get(key, sequence, value, options.FillCache, ref maxTombstone);
                }
            }
            return r == LookupResult.Found;
        }
        finally
        {
            sv.Unref();
        }
    }

    private static LookupResult GetFromMemTable(MemTable mem, ReadOnlySpan<byte> key, ulong sequence, IBufferWriter<byte>? value, ref ulong maxTombstone)
    {
        if (mem.NumRangeDeletes > 0)
        {
            maxTombstone = Math.Max(maxTombstone, MemTableRangeDels.Get(mem).MaxCoveringSequence(key, sequence));
        }
        if (maxTombstone == 0)
        {
            return mem.Get(key, sequence, value);
        }
        // A tombstone may hide the entry: find its sequence before writing any value to the caller's sink.
        LookupResult r = mem.Get(key, sequence, null, out ulong found);
        if (r == LookupResult.NotFound)
        {
            return r;
        }
        if (r == LookupResult.Deleted || found < maxTombstone)
        {
            return LookupResult.Deleted;
        }
        return mem.Get(key, sequence, value);
    }

    /// <summary>Allocation-free lookup in the default column family.</summary>
    public bool TryGet(ReadOnlySpan<byte> key, IBufferWriter<byte> value, ReadOptions? options = null) => TryGet(_defaultCf, key, value, options);

    /// <summary>A cursor over the default column family.</summary>
    public LsmIterator NewIterator(ReadOptions? options = null) => NewIterator(_defaultCf, options);

    /// <summary>A cursor over <paramref name="cf"/> as of the read options' snapshot (or now). Dispose it.</summary>
    public LsmIterator NewIterator(ColumnFamily cf, ReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(cf);
        CheckColumnFamily(cf);
        options ??= ReadOptions.Default;
        ulong sequence = options.Snapshot is { } snapshot ? SnapshotSequence(snapshot) : Volatile.Read(ref _lastSequence);
        SuperVersion sv = cf.AcquireSuperVersion();
        var children = new List<IInternalIterator>(2 + sv.Immutables.Length + sv.Current.NumFiles(0) + sv.Current.NumLevels);
        PrefixSeekState? prefix = NewPrefixSeekState(cf, options);
        try
        {
            children.Add(WithPrefixFilter(sv.Mem, prefix));
            foreach (MemTable m in sv.Immutables)
            {
                children.Add(WithPrefixFilter(m, prefix));
            }
            sv.Current.AddIterators(children, options.FillCache, prefix);
        }
        catch
        {
            foreach (IInternalIterator c in children)
            {
                c.Dispose();
            }
            sv.Unref();
            throw;
        }
        FragmentedRangeTombstones? tombstones;
        try
        {
            tombstones = CollectRangeTombstones(sv);
        }
        catch
        {
            foreach (IInternalIterator c in children)
            {
                c.Dispose();
            }
            sv.Unref();
            throw;
        }
        return new LsmIterator(new MergingIterator(children.ToArray()), sv, sequence, options, tombstones, prefix);
    }

    /// <summary>Every range tombstone a read of <paramref name="sv"/> must honour, fragmented; null when there are none.</summary>
    private FragmentedRangeTombstones? CollectRangeTombstones(SuperVersion sv)
    {
        var acc = new TombstoneAccumulator();
        acc.Add(MemTableRangeDels.Get(sv.Mem));
        foreach (MemTable m in sv.Immutables)
        {
            acc.Add(MemTableRangeDels.Get(m));
        }
        acc.AddFiles(_tableCache, sv.Current.RangeDeletionFiles, null);
        return acc.Result();
    }

    /// <summary>Gathers tombstone sets; a single non-empty set is used as is, several are merged.</summary>
    private struct TombstoneAccumulator
    {
        private List<RangeTombstone>? _all;
        private FragmentedRangeTombstones? _single;

        public void Add(FragmentedRangeTombstones t)
        {
            if (t.IsEmpty)
            {
                return;
            }
            if (_single is null)
            {
                _single = t;
                return;
            }
            if (_all is null)
            {
                _all = new List<RangeTombstone>();
                _single.AddTo(_all);
            }
            t.AddTo(_all);
        }

        /// <summary>
        /// Adds the tombstones of <paramref name="files"/> (those with a range deletion block), acquiring each reader once;
        /// when <paramref name="properties"/> is given, every file's table properties are gathered in the same pass.
        /// </summary>
        public void AddFiles(Table.TableCache cache, List<Version.FileMetaData> files, List<TableProperties>? properties)
        {
            foreach (Version.FileMetaData f in files)
            {
                if (!f.HasRangeDeletions && properties is null)
                {
                    continue;
                }
                Table.TableReader reader = cache.Acquire(f);
                try
                {
                    properties?.Add(reader.Properties);
                    if (f.HasRangeDeletions && reader.RangeTombstones is { } t)
                    {
                        Add(t);
                    }
                }
                finally
                {
                    reader.Unref();
                }
            }
        }

        public readonly FragmentedRangeTombstones? Result() => _all is not null ? FragmentedRangeTombstones.Create(_all) : _single;
    }

    /// <summary>A consistent read point at the latest write. Dispose it to let compaction drop what only it sees.</summary>
    public Snapshot GetSnapshot()
    {
        ThrowIfDisposed();
        lock (_mutex)
        {
            var s = new Snapshot(this, Volatile.Read(ref _lastSequence));
            Snapshot head = _snapshotHead;
            head.Previous ??= head;
            head.Next ??= head;
            s.Next = head;
            s.Previous = head.Previous;
            head.Previous!.Next = s;
            head.Previous = s;
            _snapshotCount++;
            return s;
        }
    }

    internal void ReleaseSnapshot(Snapshot s)
    {
        lock (_mutex)
        {
            if (s.Previous is null)
            {
                return;
            }
            s.Previous.Next = s.Next;
            s.Next!.Previous = s.Previous;
            s.Previous = null;
            s.Next = null;
            _snapshotCount--;
        }
    }

    private ulong SnapshotSequence(Snapshot snapshot)
    {
        if (!ReferenceEquals(snapshot.Db, this))
        {
            throw new ArgumentException("The snapshot belongs to another DB.");
        }
        if (snapshot.IsDisposed)
        {
            throw new ObjectDisposedException(nameof(Snapshot));
        }
        return snapshot.Sequence;
    }

    /// <summary>Sequence numbers of live snapshots, ascending. REQUIRES: DB mutex held.</summary>
    private ulong[] SnapshotSequencesLocked()
    {
        var result = new ulong[_snapshotCount];
        int i = 0;
        Snapshot head = _snapshotHead;
        if (head.Next is not null)
        {
            for (Snapshot? s = head.Next; !ReferenceEquals(s, head); s = s!.Next)
            {
                result[i++] = s!.Sequence;
            }
        }
        return result;
    }
}
