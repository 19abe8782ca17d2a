namespace ManagedKv.Lsm;

/// <summary>
/// Counts rows, versions and version kinds of one SST through an <see cref="IMvccEntryDecoder"/> and stores them as
/// <see cref="MvccProperties"/>. Entries arrive in key order, so the versions of a row are adjacent. One thread drives it.
/// </summary>
public sealed class MvccPropertiesCollector : ITablePropertiesCollector
{
    private readonly IMvccEntryDecoder _decoder;
    private readonly MvccProperties _props = new();
    private byte[] _row = new byte[64];
    private int _rowLength = -1;
    private long _rowVersions;

    /// <summary>A collector decoding entries with <paramref name="decoder"/>.</summary>
    public MvccPropertiesCollector(IMvccEntryDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        _decoder = decoder;
    }

    /// <inheritdoc/>
    public string Name => "MvccPropertiesCollector";

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, EntryType type, ulong sequence, long fileSize)
    {
        if (!_decoder.TryDecode(key, value, type, out MvccEntry e) || e.RowKeyLength < 0 || e.RowKeyLength > key.Length)
        {
            return;
        }
        ReadOnlySpan<byte> row = key[..e.RowKeyLength];
        if (_rowLength < 0 || !row.SequenceEqual(_row.AsSpan(0, _rowLength)))
        {
            if (_row.Length < row.Length)
            {
                _row = new byte[Math.Max(row.Length, _row.Length * 2)];
            }
            row.CopyTo(_row);
            _rowLength = row.Length;
            _rowVersions = 0;
            _props.NumRows++;
        }
        _rowVersions++;
        _props.MaxRowVersions = Math.Max(_props.MaxRowVersions, _rowVersions);
        _props.NumVersions++;
        _props.MinTimestamp = Math.Min(_props.MinTimestamp, e.Timestamp);
        _props.MaxTimestamp = Math.Max(_props.MaxTimestamp, e.Timestamp);
        switch (e.Kind)
        {
            case MvccEntryKind.Put: _props.NumPuts++; break;
            case MvccEntryKind.Delete: _props.NumDeletes++; break;
            case MvccEntryKind.Lock: _props.NumLocks++; break;
            case MvccEntryKind.Rollback: _props.NumRollbacks++; break;
            default: break;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, byte[]> Finish() =>
        new Dictionary<string, byte[]>(StringComparer.Ordinal) { [MvccProperties.PropertyName] = _props.Encode() };
}
