namespace ManagedKv.Lsm;

/// <summary>
/// Counters of <see cref="LsmStatistics"/>. Each has a property name (<see cref="LsmStatistics.NameOf"/>, RocksDB's
/// ticker name where RocksDB has one) that <see cref="LsmDb.GetProperty(string)"/> also answers.
/// </summary>
public enum Ticker
{
    /// <summary>"rocksdb.bloom.filter.checked": point lookups that consulted an SST's filter.</summary>
    BloomFilterChecked,

    /// <summary>"rocksdb.bloom.filter.useful": point lookups an SST's filter answered "not here" (no block read).</summary>
    BloomFilterUseful,

    /// <summary>"rocksdb.bloom.filter.full.positive": point lookups an SST's filter answered "maybe".</summary>
    BloomFilterFullPositive,

    /// <summary>"rocksdb.bloom.filter.full.true.positive": "maybe" answers where the file did hold the key.</summary>
    BloomFilterFullTruePositive,

    /// <summary>"rocksdb.bloom.filter.prefix.checked": prefix checks of an SST's filter (prefix seeks, prefix-only Gets).</summary>
    BloomFilterPrefixChecked,

    /// <summary>"rocksdb.bloom.filter.prefix.useful": prefix checks that ruled an SST out.</summary>
    BloomFilterPrefixUseful,

    /// <summary>"rocksdb.memtable.bloom.checked": memtable prefix-bloom checks (Gets and prefix seeks).</summary>
    MemtableBloomChecked,

    /// <summary>"rocksdb.memtable.bloom.useful": memtable prefix-bloom checks that ruled the memtable out.</summary>
    MemtableBloomUseful,

    /// <summary>"rocksdb.flush.write.bytes": bytes of SSTs written by flushes.</summary>
    FlushWriteBytes,

    /// <summary>"rocksdb.compact.read.bytes": bytes of input SSTs read by compactions (trivial moves excluded).</summary>
    CompactReadBytes,

    /// <summary>"rocksdb.compact.write.bytes": bytes of SSTs written by compactions.</summary>
    CompactWriteBytes,

    /// <summary>"rocksdb.compaction.key.drop.user": values the compaction filter removed.</summary>
    CompactionKeyDropUser,

    /// <summary>"rocksdb.compaction.value.changed.user": values the compaction filter replaced.</summary>
    CompactionValueChangedUser,

    /// <summary>"rocksdb.number.keys.written": updates written (Put, Delete, DeleteRange entries).</summary>
    NumberKeysWritten,

    /// <summary>"rocksdb.bytes.written": bytes of write batches written (keys, values and their encoding).</summary>
    BytesWritten,

    /// <summary>"rocksdb.number.keys.read": point lookups.</summary>
    NumberKeysRead,

    /// <summary>"rocksdb.wal.bytes": bytes appended to the WAL.</summary>
    WalFileBytes,

    /// <summary>"rocksdb.wal.synced": WAL syncs (one per group that asked for Sync).</summary>
    WalFileSynced,

    /// <summary>"rocksdb.write.wal": write groups written through the WAL.</summary>
    WriteWithWal,

    /// <summary>"rocksdb.stall.micros": microseconds writers spent delayed or stopped by write stalls.</summary>
    StallMicros,

    /// <summary>"rocksdb.block.cache.data.hit": data blocks found in the block cache.</summary>
    BlockCacheDataHit,

    /// <summary>"rocksdb.block.cache.data.miss": data blocks not in the block cache (read from the file).</summary>
    BlockCacheDataMiss,

    /// <summary>"rocksdb.block.cache.index.hit": index blocks found in the block cache (unpinned indexes only).</summary>
    BlockCacheIndexHit,

    /// <summary>"rocksdb.block.cache.index.miss": index blocks reread from the file (unpinned indexes only).</summary>
    BlockCacheIndexMiss,

    /// <summary>"rocksdb.block.cache.filter.hit": filter blocks found in the block cache (unpinned filters only).</summary>
    BlockCacheFilterHit,

    /// <summary>"rocksdb.block.cache.filter.miss": filter blocks reread from the file (unpinned filters only).</summary>
    BlockCacheFilterMiss,

    /// <summary>
    /// "managedkv.wal.directory.synced" (no RocksDB counterpart): directory syncs that made a new WAL's entry durable,
    /// one by the first synced write group after each memtable switch.
    /// </summary>
    WalDirectorySynced,
}
