namespace ManagedKv.Txn;

/// <summary>
/// Builds <see cref="MvccProperties"/> from the write CF entries of one SST as the table builder adds them (in key
/// order). To plug into the LSM: an <c>ITablePropertiesCollectorFactory</c> for the write CF creates one per table,
/// forwards each added (user key, value), and stores <see cref="Finish"/>'s encoding under
/// <see cref="MvccProperties.PropertyName"/>. Entries that are not MVCC write records are ignored. Single-threaded.
/// </summary>
public sealed class MvccPropertiesCollector
{
    private readonly MvccProperties _props = new();
    private byte[] _lastKey = new byte[64];
    private int _lastKeyLength = -1;
    private ulong _rowVersions;

    /// <summary>Adds one write CF entry.</summary>
    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (!MvccKey.TrySplit(key, out ReadOnlySpan<byte> userKey, out ulong ts))
        {
            return;
        }
        WriteRef w;
        try
        {
            w = WriteRef.Parse(value, key);
        }
        catch (MvccFormatException)
        {
            return;
        }
        if (_lastKeyLength < 0 || !userKey.SequenceEqual(_lastKey.AsSpan(0, _lastKeyLength)))
        {
            if (userKey.Length > _lastKey.Length)
            {
                _lastKey = new byte[userKey.Length * 2];
            }
            userKey.CopyTo(_lastKey);
            _lastKeyLength = userKey.Length;
            _props.NumRows++;
            _rowVersions = 0;
        }
        _rowVersions++;
        _props.MaxRowVersions = Math.Max(_props.MaxRowVersions, _rowVersions);
        _props.NumVersions++;
        _props.MinTs = Math.Min(_props.MinTs, ts);
        _props.MaxTs = Math.Max(_props.MaxTs, ts);
        switch (w.Type)
        {
            case WriteType.Put:
                _props.NumPuts++;
                break;
            case WriteType.Delete:
                _props.NumDeletes++;
                break;
            case WriteType.Lock:
                _props.NumLocks++;
                break;
            default:
                _props.NumRollbacks++;
                break;
        }
    }

    /// <summary>The statistics of everything added.</summary>
    public MvccProperties Finish() => _props;
}
