using ManagedKv.Lsm.Db;
using ManagedKv.Lsm.Table;
using ManagedKv.Lsm.Version;

namespace ManagedKv.Lsm;

// Table readers opened ahead of the reads (RocksDB's VersionBuilder::LoadTableHandlers): at open, up to
// min(16, MaxOpenFiles / 4) files (all with MaxOpenFiles = -1); after a flush or compaction writes a file, that file
// is opened while the table cache is under a quarter of its bound. A reader's index and filter are read (and its managed memory
// allocated) by the open or background thread rather than by the first Get that touches the file.
public sealed partial class LsmDb
{
    private const int InitialTableLoadLimit = 16;

    /// <summary>The table cache's bound for <see cref="DbOptions.MaxOpenFiles"/>: -1 (unbounded) or at least 16.</summary>
    private static int TableCacheCapacity(DbOptions options) => options.MaxOpenFiles == -1 ? -1 : Math.Max(options.MaxOpenFiles, 16);

    /// <summary>How many readers the table cache may hold before new files stop being opened ahead.</summary>
    private int TableLoadLimit => _tableCache.Capacity == -1 ? int.MaxValue : _tableCache.Capacity / 4;

    /// <summary>Opens the readers of up to min(16, MaxOpenFiles / 4) live files, newest levels first. Called once by Open.</summary>
    private void LoadTableReadersAtOpen()
    {
        int limit = _tableCache.Capacity == -1 ? int.MaxValue : Math.Min(InitialTableLoadLimit, TableLoadLimit);
        int loaded = 0;
        foreach (ColumnFamily cf in LiveColumnFamilies())
        {
            Version.Version v = cf.Current;
            for (int level = 0; level < v.NumLevels; level++)
            {
                foreach (FileMetaData f in v.Files(level))
                {
                    if (loaded++ >= limit)
                    {
                        return;
                    }
                    TableReader reader = _tableCache.Acquire(f);
                    f.SetStats(reader.Properties); // open runs alone: no version is being built meanwhile
                    reader.Unref();
                }
            }
        }
    }

    /// <summary>
    /// Opens the reader of a file a flush or compaction has just written, while the table cache holds fewer than
    /// <see cref="TableLoadLimit"/> readers. Called without the DB mutex; an open failure propagates to the job
    /// (the file is unreadable: better found now than by a reader).
    /// </summary>
    internal void LoadNewTableReader(ulong fileNumber, long fileSize)
    {
        if (_tableCache.Count < TableLoadLimit)
        {
            _tableCache.Acquire(fileNumber, fileSize, 0).Unref();
        }
    }

    /// <summary>Drops the reader of an output file its job abandons (the file is about to be deleted).</summary>
    internal void EvictTableReader(ulong fileNumber) => _tableCache.Evict(fileNumber);

    /// <summary>Readers the table cache holds now (tests).</summary>
    internal int OpenTableReaderCount => _tableCache.Count;
}
