using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm;

/// <summary>
/// Records a sampled index of one SST (TiKV's RangePropertiesCollector): the first key, then a key whenever
/// <see cref="RangePropertiesCollectorFactory.SizeDistance"/> bytes or
/// <see cref="RangePropertiesCollectorFactory.KeysDistance"/> entries were added since the last sample, and the last
/// key; each sample stores the bytes (user key + value lengths) and entries added up to and including it. Stored under
/// <see cref="RangeProperties.PropertyName"/> (FORMAT.md, "Range properties"). One thread drives it.
/// </summary>
public sealed class RangePropertiesCollector : ITablePropertiesCollector
{
    private readonly long _sizeDistance;
    private readonly long _keysDistance;
    private readonly List<byte> _encoded = new(256);
    private byte[] _lastKey = new byte[64];
    private int _lastKeyLength = -1;   // -1: nothing added yet
    private long _size;
    private long _keys;
    private long _sampledSize;
    private long _sampledKeys;
    private bool _lastSampled;
    private int _samples;
    // Invariant: _sampledSize/_sampledKeys are the totals at the last sample; _lastSampled says the last key added is it.

    /// <summary>A collector sampling every <paramref name="sizeDistance"/> bytes or <paramref name="keysDistance"/> entries.</summary>
    public RangePropertiesCollector(long sizeDistance, long keysDistance)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(sizeDistance, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(keysDistance, 1);
        _sizeDistance = sizeDistance;
        _keysDistance = keysDistance;
    }

    /// <inheritdoc/>
    public string Name => "RangePropertiesCollector";

    /// <inheritdoc/>
    public void Add(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value, EntryType type, ulong sequence, long fileSize)
    {
        bool first = _lastKeyLength < 0;
        _size += key.Length + value.Length;
        _keys++;
        if (_lastKey.Length < key.Length)
        {
            _lastKey = new byte[Math.Max(key.Length, _lastKey.Length * 2)];
        }
        key.CopyTo(_lastKey);
        _lastKeyLength = key.Length;
        _lastSampled = false;
        if (first || _size - _sampledSize >= _sizeDistance || _keys - _sampledKeys >= _keysDistance)
        {
            Sample();
        }
    }

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, byte[]> Finish()
    {
        if (_lastKeyLength >= 0 && !_lastSampled)
        {
            Sample();
        }
        Span<byte> header = stackalloc byte[Coding.MaxVarint32Length + 1];
        header[0] = RangeProperties.FormatVersion;
        int n = 1 + Coding.WriteVarint32(header[1..], (uint)_samples);
        var value = new byte[n + _encoded.Count];
        header[..n].CopyTo(value);
        _encoded.CopyTo(value, n);
        return new Dictionary<string, byte[]>(StringComparer.Ordinal) { [RangeProperties.PropertyName] = value };
    }

    private void Sample()
    {
        Span<byte> varint = stackalloc byte[Coding.MaxVarint64Length];
        Append(varint[..Coding.WriteVarint32(varint, (uint)_lastKeyLength)]);
        Append(_lastKey.AsSpan(0, _lastKeyLength));
        Append(varint[..Coding.WriteVarint64(varint, (ulong)_size)]);
        Append(varint[..Coding.WriteVarint64(varint, (ulong)_keys)]);
        _sampledSize = _size;
        _sampledKeys = _keys;
        _lastSampled = true;
        _samples++;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        foreach (byte b in bytes)
        {
            _encoded.Add(b);
        }
    }
}
