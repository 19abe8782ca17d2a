using ManagedKv.Lsm;

namespace ManagedKv.Perf;

/// <summary>
/// <see cref="IRaftLogStore"/> over our own LSM (src/Lsm) with the same key layout as <see cref="RocksDbLogStore"/>
/// (TiKV before raft-engine): entry key <c>0x01 0x02 region(8, BE) 0x01 index(8, BE)</c>, state key
/// <c>0x01 0x02 region 0x02</c>, compaction as a range delete. WAL on; sync as asked; no compression.
/// </summary>
internal sealed class LsmLogStore : IRaftLogStore
{
    private readonly LsmDb _db;
    private readonly WriteOptions _sync = new() { Sync = true };
    private readonly WriteOptions _noSync = new();

    public LsmLogStore(string dir)
    {
        var options = new DbOptions { CreateIfMissing = true };
        options.DefaultColumnFamilyOptions.WriteBufferSize = 64L << 20;
        options.DefaultColumnFamilyOptions.CompressionPerLevel = [CompressionType.None];
        _db = LsmDb.Open(dir, options);
    }

    public string Name => "Lsm";

    public int StateKeyLength => RaftLogKeys.StateKeyLength;

    public IRaftLogWriter CreateWriter() => new Writer(this);

    public long Fetch(ulong region, ulong begin, int count)
    {
        byte[] key = new byte[RaftLogKeys.EntryKeyLength];
        RaftLogKeys.EntryKey(key, region, begin);
        long bytes = 0;
        using LsmIterator it = _db.NewIterator();
        it.Seek(key);
        for (int i = 0; i < count && it.Valid; i++)
        {
            bytes += it.Value.Length;
            it.Next();
        }
        return bytes;
    }

    public void Maintain()
    {
    }

    public void Settle() => _db.Flush();

    public void Dispose() => _db.Dispose();


    private sealed class Writer(LsmLogStore store) : IRaftLogWriter
    {
        private readonly WriteBatch _batch = new();
        private readonly byte[] _key = new byte[RaftLogKeys.EntryKeyLength];
        private readonly byte[] _end = new byte[RaftLogKeys.EntryKeyLength];

        public void Append(ulong region, ulong firstIndex, IReadOnlyList<ReadOnlyMemory<byte>> entries, ReadOnlySpan<byte> raftState, ulong compactTo, bool sync)
        {
            _batch.Clear();
            for (int i = 0; i < entries.Count; i++)
            {
                RaftLogKeys.EntryKey(_key, region, firstIndex + (ulong)i);
                _batch.Put(_key, entries[i].Span);
            }
            _batch.Put(RaftLogKeys.StateKey(_key), raftState);
            if (compactTo != 0)
            {
                RaftLogKeys.EntryKey(_key, region, 0);
                RaftLogKeys.EntryKey(_end, region, compactTo);
                _batch.DeleteRange(_key, _end);
            }
            store._db.Write(_batch, sync ? store._sync : store._noSync);
        }
    }
}
