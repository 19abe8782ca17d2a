using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Iterators;
using ManagedKv.Lsm.Keys;
using ManagedKv.Lsm.Memtable;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm;

// Table properties and size estimates: what each SST says about itself (built-in and collector properties) and how
// much data a key range holds, from index offsets and range properties — no data block is read.
public sealed partial class LsmDb
{
    /// <summary>The properties of every SST of the default column family, by file path.</summary>
    public IReadOnlyDictionary<string, TableProperties> GetPropertiesOfAllTables() => GetPropertiesOfAllTables(_defaultCf);

    /// <summary>The properties of every live SST of <paramref name="cf"/>, by file path (RocksDB's GetPropertiesOfAllTables).</summary>
    public IReadOnlyDictionary<string, TableProperties> GetPropertiesOfAllTables(ColumnFamily cf) => CollectTableProperties(cf, null);

    /// <summary>
    /// The properties of the live SSTs of <paramref name="cf"/> whose user-key range meets any of
    /// <paramref name="ranges"/> (RocksDB's GetPropertiesOfTablesInRange), by file path.
    /// </summary>
    public IReadOnlyDictionary<string, TableProperties> GetPropertiesOfTablesInRange(ColumnFamily cf, IReadOnlyList<KeyRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        return CollectTableProperties(cf, ranges);
    }

    private Dictionary<string, TableProperties> CollectTableProperties(ColumnFamily cf, IReadOnlyList<KeyRange>? ranges)
    {
        ArgumentNullException.ThrowIfNull(cf);
        CheckColumnFamily(cf);
        var result = new Dictionary<string, TableProperties>(StringComparer.Ordinal);
        SuperVersion sv = cf.AcquireSuperVersion();
        try
        {
            Version.Version v = sv.Current;
            for (int level = 0; level < v.NumLevels; level++)
            {
                foreach (FileMetaData f in v.Files(level))
                {
                    if (ranges is not null && !OverlapsAny(ranges, f))
                    {
                        continue;
                    }
                    TableReader reader = _tableCache.Acquire(f);
                    try
                    {
                        result[reader.Path] = reader.Properties;
                    }
                    finally
                    {
                        reader.Unref();
                    }
                }
            }
        }
        finally
        {
            sv.Unref();
        }
        return result;
    }

    private static bool OverlapsAny(IReadOnlyList<KeyRange> ranges, FileMetaData f)
    {
        for (int i = 0; i < ranges.Count; i++)
        {
            if (ranges[i].Overlaps(f.SmallestUserKey, f.LargestUserKey))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Approximate bytes of each range in the default column family; see the other overload.</summary>
    public long[] GetApproximateSizes(IReadOnlyList<KeyRange> ranges, bool includeMemtables = false) =>
        GetApproximateSizes(_defaultCf, ranges, includeMemtables);

    /// <summary>
    /// Approximate bytes on disk of each of <paramref name="ranges"/> in <paramref name="cf"/> (RocksDB's
    /// GetApproximateSizes): a file wholly inside a range counts its size; a file the range cuts counts the share of
    /// its data blocks between the blocks where the bounds fall (from its index block; no data block is read) times its
    /// size. The error is at most about one data block per cut file. With <paramref name="includeMemtables"/>, the internal key and value
    /// bytes of the memtable entries in the range are added (this walks those entries).
    /// </summary>
    public long[] GetApproximateSizes(ColumnFamily cf, IReadOnlyList<KeyRange> ranges, bool includeMemtables = false)
    {
        ArgumentNullException.ThrowIfNull(cf);
        ArgumentNullException.ThrowIfNull(ranges);
        CheckColumnFamily(cf);
        var sizes = new long[ranges.Count];
        SuperVersion sv = cf.AcquireSuperVersion();
        try
        {
            Version.Version v = sv.Current;
            for (int i = 0; i < ranges.Count; i++)
            {
                KeyRange range = ranges[i];
                long sum = 0;
                for (int level = 0; level < v.NumLevels; level++)
                {
                    foreach (FileMetaData f in v.Files(level))
                    {
                        sum += ApproximateSizeInFile(f, range);
                    }
                }
                if (includeMemtables)
                {
                    sum += MemTableBytesInRange(sv.Mem, range);
                    foreach (MemTable m in sv.Immutables)
                    {
                        sum += MemTableBytesInRange(m, range);
                    }
                }
                sizes[i] = sum;
            }
        }
        finally
        {
            sv.Unref();
        }
        return sizes;
    }

    /// <summary>Approximate bytes in the default column family between start and end; see the other overload.</summary>
    public RangeEstimate GetRangeApproximateSizeAndKeys(byte[]? start, byte[]? end) => GetRangeApproximateSizeAndKeys(_defaultCf, start, end);

    /// <summary>
    /// Estimated user bytes (key + value lengths) and entries of <paramref name="cf"/>'s SSTs with user key in
    /// [<paramref name="start"/>, <paramref name="end"/>) (null = unbounded), as TiKV's split check computes region
    /// sizes: from each file's <see cref="RangeProperties"/> when a <see cref="RangePropertiesCollectorFactory"/>
    /// wrote them, else from the file's index offsets scaled to its entry count. Memtables are not counted.
    /// </summary>
    public RangeEstimate GetRangeApproximateSizeAndKeys(ColumnFamily cf, byte[]? start, byte[]? end)
    {
        ArgumentNullException.ThrowIfNull(cf);
        CheckColumnFamily(cf);
        var range = new KeyRange(start, end);
        RangeEstimate total = default;
        SuperVersion sv = cf.AcquireSuperVersion();
        try
        {
            Version.Version v = sv.Current;
            for (int level = 0; level < v.NumLevels; level++)
            {
                foreach (FileMetaData f in v.Files(level))
                {
                    if (!range.Overlaps(f.SmallestUserKey, f.LargestUserKey))
                    {
                        continue;
                    }
                    TableReader reader = _tableCache.Acquire(f);
                    try
                    {
                        TableProperties p = reader.Properties;
                        if (RangeProperties.TryGet(p, out RangeProperties? rp))
                        {
                            total += rp!.GetApproximateDistance(start, end);
                            continue;
                        }
                        // No range index: the index offsets give the share of the data blocks the range covers.
                        long lo = start is null ? 0 : reader.ApproximateOffsetOf(SeekKey(start));
                        long hi = end is null ? (long)p.DataSize : reader.ApproximateOffsetOf(SeekKey(end));
                        double share = p.DataSize == 0 ? 0 : Math.Clamp((hi - lo) / (double)p.DataSize, 0, 1);
                        total += new RangeEstimate((long)(share * (p.RawKeySize - 8 * p.NumEntries + p.RawValueSize)), (long)(share * p.NumEntries));
                    }
                    finally
                    {
                        reader.Unref();
                    }
                }
            }
        }
        finally
        {
            sv.Unref();
        }
        return total;
    }

    private long ApproximateSizeInFile(FileMetaData f, KeyRange range)
    {
        if (!range.Overlaps(f.SmallestUserKey, f.LargestUserKey))
        {
            return 0;
        }
        bool startCuts = range.Start is not null && f.SmallestUserKey.SequenceCompareTo(range.Start) < 0;
        bool limitCuts = range.Limit is not null && f.LargestUserKey.SequenceCompareTo(range.Limit) >= 0;
        if (!startCuts && !limitCuts)
        {
            return f.FileSize;
        }
        TableReader reader = _tableCache.Acquire(f);
        try
        {
            long dataSize = (long)reader.Properties.DataSize;
            long lo = startCuts ? reader.ApproximateOffsetOf(SeekKey(range.Start!)) : 0;
            long hi = limitCuts ? reader.ApproximateOffsetOf(SeekKey(range.Limit!)) : dataSize;
            // The share of the data blocks, applied to the whole file so index and filter bytes spread evenly.
            return dataSize == 0 ? 0 : (long)(Math.Max(0, hi - lo) * (f.FileSize / (double)dataSize));
        }
        finally
        {
            reader.Unref();
        }
    }

    private static long MemTableBytesInRange(MemTable mem, KeyRange range)
    {
        if (mem.IsEmpty)
        {
            return 0;
        }
        long sum = 0;
        using IInternalIterator it = mem.NewIterator();
        if (range.Start is null)
        {
            it.SeekToFirst();
        }
        else
        {
            it.Seek(SeekKey(range.Start));
        }
        for (; it.Valid; it.Next())
        {
            ReadOnlySpan<byte> key = it.Key;
            if (range.Limit is not null && InternalKey.UserKey(key).SequenceCompareTo(range.Limit) >= 0)
            {
                break;
            }
            sum += key.Length + it.Value.Length;
        }
        return sum;
    }

    /// <summary>The first internal key of <paramref name="userKey"/> (every entry of it sorts at or after this).</summary>
    private static byte[] SeekKey(ReadOnlySpan<byte> userKey) => InternalKey.Create(userKey, SequenceNumber.Max, ValueTypes.ForSeek);
}
