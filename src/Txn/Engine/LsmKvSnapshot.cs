using System.Buffers;
using ManagedKv.Lsm;

namespace ManagedKv.Txn;

/// <summary>One LSM snapshot read through any of the engine CFs. Thread-safe for reads.</summary>
internal sealed class LsmKvSnapshot : IKvSnapshot
{
    private readonly LsmDb _db;
    private readonly ColumnFamily[] _cfs;
    private readonly Snapshot _snapshot;
    private readonly ReadOptions _readOptions;
    private readonly ReadOptions _prefixReadOptions;

    public LsmKvSnapshot(LsmDb db, ColumnFamily[] cfs, Snapshot snapshot, bool prefixSeek)
    {
        _db = db;
        _cfs = cfs;
        _snapshot = snapshot;
        _readOptions = new ReadOptions { Snapshot = snapshot };
        _prefixReadOptions = prefixSeek ? new ReadOptions { Snapshot = snapshot, PrefixSameAsStart = true } : _readOptions;
    }

    public bool TryGet(EngineCf cf, ReadOnlySpan<byte> key, IBufferWriter<byte> value) =>
        _db.TryGet(_cfs[(int)cf], key, value, _readOptions);

    public IKvCursor NewCursor(EngineCf cf, byte[]? lowerBound = null, byte[]? upperBound = null)
    {
        ReadOptions options = lowerBound is null && upperBound is null
            ? _readOptions
            : new ReadOptions { Snapshot = _snapshot, LowerBound = lowerBound, UpperBound = upperBound };
        return new LsmKvCursor(_db.NewIterator(_cfs[(int)cf], options));
    }

    // Without a prefix extractor on the CF (every CF but write) PrefixSameAsStart has no effect: a total-order cursor.
    public IKvCursor NewPrefixCursor(EngineCf cf) => new LsmKvCursor(_db.NewIterator(_cfs[(int)cf], _prefixReadOptions));

    public void Dispose() => _snapshot.Dispose();
}
