using System.Buffers;
using System.Diagnostics;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ValueType = ManagedKv.Lsm.Keys.ValueType;
using ManagedKv.Lsm.Table;

namespace ManagedKv.Lsm.Version;

/// <summary>
/// An immutable snapshot of one column family's files, level by level. L0 files may overlap and are kept newest
/// first (by largest sequence); files of L1..Ln do not overlap and are kept sorted by smallest key.
/// Reference counted: the column family's current version holds one reference, super versions and compactions hold
/// others; when the last reference goes, its files lose one reference each and files no version lists are deleted.
/// Readers may use a version from any thread without a lock once they hold a reference.
/// </summary>
internal sealed class Version
{
    private readonly List<FileMetaData>[] _files;
    private int _refs;

    public Version(VersionSet versionSet, ColumnFamily cf, List<FileMetaData>[] files)
    {
        VersionSet = versionSet;
        ColumnFamily = cf;
        _files = files;
        LevelBytes = new long[files.Length];
        for (int level = 0; level < files.Length; level++)
        {
            long sum = 0;
            foreach (FileMetaData f in files[level])
            {
                sum += f.FileSize;
                if (f.HasRangeDeletions)
                {
                    RangeDeletionFiles.Add(f);
                }
            }
            LevelBytes[level] = sum;
        }
    }

    /// <summary>The files that have a range deletion block, so readers find every tombstone without a scan of all files.</summary>
    public List<FileMetaData> RangeDeletionFiles { get; } = new();

    public VersionSet VersionSet { get; }

    public ColumnFamily ColumnFamily { get; }

    public int NumLevels => _files.Length;

    public long[] LevelBytes { get; }

    /// <summary>Set by <see cref="Compaction.CompactionPicker.ComputeScores"/> when the version is built.</summary>
    public double[] Scores { get; set; } = [];

    /// <summary>The level L0 compacts into (dynamic level bytes); 1 when dynamic level bytes are off.</summary>
    public int BaseLevel { get; set; } = 1;

    /// <summary>Target size per level (0 for levels that should stay empty).</summary>
    public long[] LevelTargets { get; set; } = [];

    /// <summary>Bytes compaction must still rewrite to bring every level under its target (RocksDB's estimate).</summary>
    public long EstimatedPendingCompactionBytes { get; set; }

    public IReadOnlyList<FileMetaData> Files(int level) => _files[level];

    internal List<FileMetaData>[] AllFiles => _files;

    public int NumFiles(int level) => _files[level].Count;

    public void Ref() => Interlocked.Increment(ref _refs);

    /// <summary>Drops a reference; the last one releases the files (takes the DB mutex).</summary>
    public void Unref()
    {
        int refs = Interlocked.Decrement(ref _refs);
        Debug.Assert(refs >= 0);
        if (refs == 0)
        {
            VersionSet.ReleaseVersion(this);
        }
    }

    /// <summary>
    /// Looks up the newest entry for <paramref name="userKey"/> with sequence &lt;= <paramref name="sequence"/>:
    /// L0 newest first, then one file per deeper level by binary search. Each table checks its bloom filter first.
    /// </summary>
    public LookupResult Get(ReadOnlySpan<byte> userKey, ulong sequence, IBufferWriter<byte>? value, bool fillCache)
    {
        ulong maxTombstone = 0;
        return Get(userKey, sequence, value, fillCache, ref maxTombstone);
    }

    /// <summary>
    /// As above, honouring range tombstones: <paramref name="maxTombstone"/> carries the newest covering tombstone
    /// sequence seen in newer sources and is raised by the tombstones of the files visited.
    /// </summary>
    public LookupResult Get(ReadOnlySpan<byte> userKey, ulong sequence, IBufferWriter<byte>? value, bool fillCache, ref ulong maxTombstone)
    {
        TableCache cache = VersionSet.TableCache;
        ISliceTransform? prefixExtractor = ColumnFamily.Options.PrefixExtractor;
        LsmStatistics? stats = ColumnFamily.Db.Statistics;
        List<FileMetaData> l0 = _files[0];
        for (int i = 0; i < l0.Count; i++)
        {
            FileMetaData f = l0[i];
            if (f.SmallestSequence > sequence)
            {
                continue; // every entry is newer than the read
            }
            if (userKey.SequenceCompareTo(f.SmallestUserKey) < 0 || userKey.SequenceCompareTo(f.LargestUserKey) > 0)
            {
                continue;
            }
            LookupResult r = GetFromFile(cache, f, userKey, sequence, value, fillCache, prefixExtractor, stats, ref maxTombstone);
            if (r != LookupResult.NotFound)
            {
                return r;
            }
        }
        for (int level = 1; level < _files.Length; level++)
        {
            List<FileMetaData> files = _files[level];
            if (files.Count == 0)
            {
                continue;
            }
            int index = FindFile(files, userKey);
            // A file whose largest key is a range-tombstone end sentinel does not hold its largest user key.
            if (index < files.Count && IsEndSentinel(files[index].Largest) && files[index].LargestUserKey.SequenceEqual(userKey))
            {
                index++;
            }
            if (index >= files.Count || userKey.SequenceCompareTo(files[index].SmallestUserKey) < 0)
            {
                continue;
            }
            LookupResult r = GetFromFile(cache, files[index], userKey, sequence, value, fillCache, prefixExtractor, stats, ref maxTombstone);
            if (r != LookupResult.NotFound)
            {
                return r;
            }
        }
        return LookupResult.NotFound;
    }

    private static LookupResult GetFromFile(TableCache cache, FileMetaData f, ReadOnlySpan<byte> userKey, ulong sequence, IBufferWriter<byte>? value, bool fillCache,
        ISliceTransform? prefixExtractor, LsmStatistics? stats, ref ulong maxTombstone)
    {
        TableReader reader = cache.Acquire(f);
        try
        {
            if (f.HasRangeDeletions && reader.RangeTombstones is { } tombstones)
            {
                maxTombstone = Math.Max(maxTombstone, tombstones.MaxCoveringSequence(userKey, sequence));
            }
            if (maxTombstone == 0)
            {
                return reader.Get(userKey, sequence, value, fillCache, prefixExtractor, stats);
            }
            // A tombstone may hide the entry: find its sequence before writing any value to the caller's sink.
            LookupResult r = reader.Get(userKey, sequence, null, fillCache, prefixExtractor, stats, out ulong found);
            if (r == LookupResult.NotFound)
            {
                return r;
            }
            if (r == LookupResult.Deleted || found < maxTombstone)
            {
                return LookupResult.Deleted;
            }
            return reader.Get(userKey, sequence, value, fillCache, prefixExtractor, stats);
        }
        finally
        {
            reader.Unref();
        }
    }

    /// <summary>True for the exclusive-end sentinel (end, max sequence, RangeDeletion) that closes a file's range.</summary>
    public static bool IsEndSentinel(byte[] internalKey) =>
        InternalKey.Trailer(internalKey) == InternalKey.PackTrailer(SequenceNumber.Max, ValueType.RangeDeletion);

    /// <summary>Index of the first file whose largest user key is &gt;= <paramref name="userKey"/> (files sorted, disjoint).</summary>
    public static int FindFile(List<FileMetaData> files, ReadOnlySpan<byte> userKey)
    {
        int lo = 0;
        int hi = files.Count;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (files[mid].LargestUserKey.SequenceCompareTo(userKey) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    /// <summary>
    /// Adds one iterator per L0 file and one level iterator per non-empty deeper level; with <paramref name="prefix"/>
    /// they skip files whose filters rule out the prefix of a prefix seek.
    /// </summary>
    public void AddIterators(List<IInternalIterator> into, bool fillCache, PrefixSeekState? prefix = null)
    {
        TableCache cache = VersionSet.TableCache;
        foreach (FileMetaData f in _files[0])
        {
            into.Add(new OwnedTableIterator(cache.Acquire(f), fillCache, prefix));
        }
        for (int level = 1; level < _files.Length; level++)
        {
            if (_files[level].Count > 0)
            {
                into.Add(new LevelIterator(cache, _files[level], fillCache, prefix));
            }
        }
    }

    /// <summary>
    /// Files of <paramref name="level"/> whose user-key range overlaps [begin, end] (null = unbounded). For L0 the
    /// range grows to cover every overlapping file transitively, as leveldb does, so no newer version is left behind.
    /// </summary>
    public List<FileMetaData> GetOverlappingInputs(int level, byte[]? begin, byte[]? end)
    {
        var result = new List<FileMetaData>();
        List<FileMetaData> files = _files[level];
        byte[]? lo = begin;
        byte[]? hi = end;
        for (int i = 0; i < files.Count;)
        {
            FileMetaData f = files[i++];
            if ((hi is not null && f.SmallestUserKey.SequenceCompareTo(hi) > 0) || (lo is not null && f.LargestUserKey.SequenceCompareTo(lo) < 0))
            {
                continue;
            }
            result.Add(f);
            if (level == 0)
            {
                bool grew = false;
                if (lo is not null && f.SmallestUserKey.SequenceCompareTo(lo) < 0)
                {
                    lo = f.SmallestUserKey.ToArray();
                    grew = true;
                }
                if (hi is not null && f.LargestUserKey.SequenceCompareTo(hi) > 0)
                {
                    hi = f.LargestUserKey.ToArray();
                    grew = true;
                }
                if (grew)
                {
                    result.Clear();
                    i = 0;
                }
            }
        }
        return result;
    }

    /// <summary>True when some file of a level below <paramref name="level"/> overlaps the user-key range [begin, end).</summary>
    public bool RangeMayExistBelow(int level, byte[] begin, byte[] end)
    {
        for (int l = level + 1; l < _files.Length; l++)
        {
            List<FileMetaData> files = _files[l];
            if (l == 0)
            {
                foreach (FileMetaData f in files)
                {
                    if (f.SmallestUserKey.SequenceCompareTo(end) < 0 && f.LargestUserKey.SequenceCompareTo(begin) >= 0)
                    {
                        return true;
                    }
                }
                continue;
            }
            int i = FindFile(files, begin);
            if (i < files.Count && files[i].SmallestUserKey.SequenceCompareTo(end) < 0)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when some file of a level below <paramref name="level"/> may hold <paramref name="userKey"/>.</summary>
    public bool KeyMayExistBelow(int level, ReadOnlySpan<byte> userKey)
    {
        for (int l = level + 1; l < _files.Length; l++)
        {
            List<FileMetaData> files = _files[l];
            int i = FindFile(files, userKey);
            if (i < files.Count && userKey.SequenceCompareTo(files[i].SmallestUserKey) >= 0)
            {
                return true;
            }
        }
        return false;
    }
}
