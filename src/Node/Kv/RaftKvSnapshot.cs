using System.Buffers;
using ManagedKv.Lsm;
using ManagedKv.Txn;

namespace ManagedKv.Node.Kv;

/// <summary>
/// A leader-confirmed view of one region (TiKV's RegionSnapshot): an Lsm snapshot taken after a ReadIndex, whose
/// point reads check the key against the region's range (<c>KeyNotInRegion</c>) and whose cursors are bounded to it;
/// keys are shown without the <c>z</c> data prefix. One thread at a time (cursors are independent).
/// </summary>
internal sealed class RaftKvSnapshot : IKvSnapshot
{
    private readonly LsmDb _db;
    private readonly IReadOnlyList<ColumnFamily> _cfs;
    private readonly Snapshot _snapshot;
    private readonly ReadOptions _readOptions;
    private readonly Metapb.Region _region;
    private byte[]? _key;

    public RaftKvSnapshot(LsmDb db, IReadOnlyList<ColumnFamily> cfs, Snapshot snapshot, Metapb.Region region)
    {
        _db = db;
        _cfs = cfs;
        _snapshot = snapshot;
        _region = region;
        _readOptions = new ReadOptions { Snapshot = snapshot };
    }

    public bool TryGet(EngineCf cf, ReadOnlySpan<byte> key, IBufferWriter<byte> value)
    {
        RaftKvEngine.CheckKey(_region, key);
        return _db.TryGet(_cfs[(int)cf], KvApplyHandler.DataKey(ref _key, key), value, _readOptions);
    }

    public IKvCursor NewCursor(EngineCf cf, byte[]? lowerBound = null, byte[]? upperBound = null) =>
        new RaftKvCursor(_db.NewIterator(_cfs[(int)cf], Bounded(lowerBound, upperBound, prefixSameAsStart: false)));

    // Without a prefix extractor on the CF (every CF but write) PrefixSameAsStart has no effect.
    public IKvCursor NewPrefixCursor(EngineCf cf) =>
        new RaftKvCursor(_db.NewIterator(_cfs[(int)cf], Bounded(null, null, prefixSameAsStart: true)));

    public void Dispose() => _snapshot.Dispose();

    // z + max(lower, region start) .. z + min(upper, region end); an empty region end is the end of the data keys.
    private ReadOptions Bounded(byte[]? lower, byte[]? upper, bool prefixSameAsStart)
    {
        byte[] start = _region.StartKey.Span.ToArray();
        byte[] lo = lower is not null && lower.AsSpan().SequenceCompareTo(start) > 0 ? lower : start;
        byte[]? hi = _region.EndKey.IsEmpty ? null : _region.EndKey.ToByteArray();
        if (upper is not null && (hi is null || upper.AsSpan().SequenceCompareTo(hi) < 0))
        {
            hi = upper;
        }

        return new ReadOptions
        {
            Snapshot = _snapshot,
            LowerBound = Prefixed(lo),
            UpperBound = hi is null ? [KvColumnFamilies.DataEnd] : Prefixed(hi),
            PrefixSameAsStart = prefixSameAsStart,
        };
    }

    private static byte[] Prefixed(byte[] key)
    {
        byte[] data = new byte[key.Length + 1];
        data[0] = KvColumnFamilies.DataPrefix;
        key.CopyTo(data, 1);
        return data;
    }
}
