using System.Globalization;
using System.Text;
using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm;

// Statistics and properties (RocksDB's GetProperty names where they exist).
public sealed partial class LsmDb
{
    private long _statFlushBytes;
    private long _statFlushCount;
    private long _statCompactionBytesRead;
    private long _statCompactionBytesWritten;
    private long _statCompactionCount;

    /// <summary>Bytes written to SSTs by flushes since open.</summary>
    public long FlushBytesWritten => Interlocked.Read(ref _statFlushBytes);

    /// <summary>Bytes written to SSTs by compactions since open.</summary>
    public long CompactionBytesWritten => Interlocked.Read(ref _statCompactionBytesWritten);

    /// <summary>Memory held by memtables, the block cache and table readers.</summary>
    public LsmMemoryUsage GetMemoryUsage()
    {
        long active = 0;
        long immutable = 0;
        lock (_mutex)
        {
            foreach (ColumnFamily? cf in _cfById)
            {
                if (cf is null)
                {
                    continue;
                }
                active += cf.Mem.MemoryUsage;
                foreach (ImmutableMemTable imm in cf.Immutables)
                {
                    immutable += imm.Mem.MemoryUsage;
                }
            }
        }
        return new LsmMemoryUsage(active, immutable, _blockCache.Usage, _blockCache.Capacity, _tableCache.MemoryUsage) { MappedTables = _blockCache.MappedUsage };
    }

    /// <summary>A property of the default column family.</summary>
    public string? GetProperty(string name) => GetProperty(_defaultCf, name);

    /// <summary>
    /// A named property, or null when the name is unknown. Supported: rocksdb.num-files-at-level&lt;N&gt;,
    /// rocksdb.levelstats, rocksdb.stats, rocksdb.cur-size-active-mem-table, rocksdb.cur-size-all-mem-tables,
    /// rocksdb.num-immutable-mem-table, rocksdb.estimate-num-keys, rocksdb.total-sst-files-size,
    /// rocksdb.estimate-pending-compaction-bytes, rocksdb.num-snapshots, rocksdb.block-cache-usage,
    /// rocksdb.block-cache-capacity, rocksdb.base-level, rocksdb.compaction-pending, rocksdb.num-running-compactions,
    /// rocksdb.num-running-flushes, rocksdb.background-errors, and every <see cref="Ticker"/> by its name
    /// (<see cref="LsmStatistics.NameOf"/>, e.g. rocksdb.bloom.filter.useful; DB-wide, whatever the column family).
    /// </summary>
    public string? GetProperty(ColumnFamily cf, string name)
    {
        ArgumentNullException.ThrowIfNull(cf);
        ArgumentNullException.ThrowIfNull(name);
        CheckColumnFamily(cf);
        const string numFilesPrefix = "rocksdb.num-files-at-level";
        lock (_mutex)
        {
            Version.Version v = cf.Current;
            if (name.StartsWith(numFilesPrefix, StringComparison.Ordinal))
            {
                return int.TryParse(name.AsSpan(numFilesPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int level) && level < v.NumLevels
                    ? v.NumFiles(level).ToString(CultureInfo.InvariantCulture)
                    : null;
            }
            switch (name)
            {
                case "rocksdb.levelstats":
                case "rocksdb.stats":
                    return LevelStats(cf, v, name == "rocksdb.stats");
                case "rocksdb.cur-size-active-mem-table":
                    return cf.Mem.ApproximateMemoryUsage.ToString(CultureInfo.InvariantCulture);
                case "rocksdb.cur-size-all-mem-tables":
                    {
                        long sum = cf.Mem.ApproximateMemoryUsage;
                        foreach (ImmutableMemTable imm in cf.Immutables)
                        {
                            sum += imm.Mem.ApproximateMemoryUsage;
                        }
                        return sum.ToString(CultureInfo.InvariantCulture);
                    }
                case "rocksdb.num-immutable-mem-table":
                    return cf.Immutables.Count.ToString(CultureInfo.InvariantCulture);
                case "rocksdb.estimate-num-keys":
                    return EstimateNumKeys(cf, v).ToString(CultureInfo.InvariantCulture);
                case "rocksdb.total-sst-files-size":
                    {
                        long sum = 0;
                        foreach (long b in v.LevelBytes)
                        {
                            sum += b;
                        }
                        return sum.ToString(CultureInfo.InvariantCulture);
                    }
                case "rocksdb.estimate-pending-compaction-bytes":
                    return v.EstimatedPendingCompactionBytes.ToString(CultureInfo.InvariantCulture);
                case "rocksdb.num-snapshots":
                    return _snapshotCount.ToString(CultureInfo.InvariantCulture);
                case "rocksdb.block-cache-usage":
                    return _blockCache.Usage.ToString(CultureInfo.InvariantCulture);
                case "rocksdb.block-cache-capacity":
                    return _blockCache.Capacity.ToString(CultureInfo.InvariantCulture);
                case "rocksdb.base-level":
                    return v.BaseLevel.ToString(CultureInfo.InvariantCulture);
                case "rocksdb.compaction-pending":
                    return Compaction.CompactionPicker.Pick(cf) is null ? "0" : "1";
                case "rocksdb.num-running-compactions":
                    return _runningCompactions.ToString(CultureInfo.InvariantCulture);
                case "rocksdb.num-running-flushes":
                    return _runningFlushes.ToString(CultureInfo.InvariantCulture);
                case "rocksdb.background-errors":
                    return _backgroundError is null ? "0" : "1";
                default:
                    if (name == "rocksdb.block.cache.hit")
                    {
                        return _blockCache.HitCount.ToString(CultureInfo.InvariantCulture);
                    }
                    if (name == "rocksdb.block.cache.miss")
                    {
                        return _blockCache.MissCount.ToString(CultureInfo.InvariantCulture);
                    }
                    return LsmStatistics.TryParse(name, out Ticker ticker) ? _statistics.Get(ticker).ToString(CultureInfo.InvariantCulture) : null;
            }
        }
    }

    private static long EstimateNumKeys(ColumnFamily cf, Version.Version v)
    {
        long entries = (long)cf.Mem.NumEntries - (long)cf.Mem.NumDeletes - 2 * (long)cf.Mem.NumRangeDeletes;
        foreach (ImmutableMemTable imm in cf.Immutables)
        {
            entries += (long)imm.Mem.NumEntries - (long)imm.Mem.NumDeletes - 2 * (long)imm.Mem.NumRangeDeletes;
        }
        // SST entries are estimated from file sizes relative to the memtable's bytes per entry is not known here;
        // table properties give exact entry counts per file.
        for (int level = 0; level < v.NumLevels; level++)
        {
            foreach (FileMetaData f in v.Files(level))
            {
                Table.TableReader reader = cf.Db._tableCache.Acquire(f);
                try
                {
                    TableProperties p = reader.Properties;
                    entries += (long)p.NumEntries - 2 * (long)p.NumDeletions;
                }
                finally
                {
                    reader.Unref();
                }
            }
        }
        return Math.Max(entries, 0);
    }

    private string LevelStats(ColumnFamily cf, Version.Version v, bool full)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"Column family {cf.Name}: base level {v.BaseLevel}\n");
        sb.Append("Level Files Size(MB) Target(MB) Score\n");
        for (int level = 0; level < v.NumLevels; level++)
        {
            double target = level < v.LevelTargets.Length ? v.LevelTargets[level] / 1048576.0 : 0;
            double score = level < v.Scores.Length ? v.Scores[level] : 0;
            sb.Append(CultureInfo.InvariantCulture, $"L{level,-4} {v.NumFiles(level),5} {v.LevelBytes[level] / 1048576.0,8:F1} {target,10:F1} {score,5:F2}\n");
        }
        if (full)
        {
            sb.Append(CultureInfo.InvariantCulture, $"Flushes: {Interlocked.Read(ref _statFlushCount)}, {Interlocked.Read(ref _statFlushBytes) / 1048576.0:F1} MB written\n");
            sb.Append(CultureInfo.InvariantCulture, $"Compactions: {Interlocked.Read(ref _statCompactionCount)}, {Interlocked.Read(ref _statCompactionBytesRead) / 1048576.0:F1} MB read, {Interlocked.Read(ref _statCompactionBytesWritten) / 1048576.0:F1} MB written\n");
            sb.Append(CultureInfo.InvariantCulture, $"Block cache: {_blockCache.Usage / 1048576.0:F1} / {_blockCache.Capacity / 1048576.0:F1} MB\n");
        }
        return sb.ToString();
    }
}
