using ManagedKv.Lsm.Util;

namespace ManagedKv.Lsm;

/// <summary>
/// The decoded sampled index one <see cref="RangePropertiesCollector"/> stored in an SST, and the estimate of the
/// bytes and entries of a key range in that file. Immutable; thread-safe.
/// </summary>
public sealed class RangeProperties
{
    /// <summary>The user-collected property holding the index (FORMAT.md, "Range properties"). On-disk: never rename.</summary>
    public const string PropertyName = "kv.range.index";

    /// <summary>Version byte at the start of the property value. On-disk.</summary>
    public const byte FormatVersion = 1;

    private readonly byte[][] _keys;
    private readonly long[] _sizes;
    private readonly long[] _counts;
    // Invariant: _keys ascending (strictly); _sizes and _counts non-decreasing, same length as _keys.

    private RangeProperties(byte[][] keys, long[] sizes, long[] counts)
    {
        _keys = keys;
        _sizes = sizes;
        _counts = counts;
    }

    /// <summary>Number of samples.</summary>
    public int Count => _keys.Length;

    /// <summary>Bytes (user key + value) of the whole file.</summary>
    public long TotalSize => _sizes.Length == 0 ? 0 : _sizes[^1];

    /// <summary>Entries of the whole file.</summary>
    public long TotalKeys => _counts.Length == 0 ? 0 : _counts[^1];

    /// <summary>Sample <paramref name="index"/>: its key and the bytes and entries up to and including it.</summary>
    public (byte[] Key, long Size, long Keys) this[int index] => (_keys[index], _sizes[index], _counts[index]);

    /// <summary>Decodes the range index of <paramref name="properties"/>; false when the file has none.</summary>
    /// <exception cref="CorruptionException">The property is malformed.</exception>
    public static bool TryGet(TableProperties properties, out RangeProperties? result)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (!properties.UserCollectedProperties.TryGetValue(PropertyName, out byte[]? value))
        {
            result = null;
            return false;
        }
        result = Decode(value, properties.ColumnFamilyName);
        return true;
    }

    /// <summary>Decodes a property value written by <see cref="RangePropertiesCollector"/>.</summary>
    /// <exception cref="CorruptionException">The value is malformed; <paramref name="source"/> names it in the error.</exception>
    public static RangeProperties Decode(ReadOnlySpan<byte> value, string source)
    {
        var r = new SpanReader(value);
        if (!r.TryReadByte(out byte version) || version != FormatVersion)
        {
            ThrowHelper.ThrowCorruption(source, 0, $"range properties: unknown format version {(value.IsEmpty ? -1 : value[0])}");
        }
        if (!r.TryReadVarint32(out uint count) || count > value.Length)
        {
            ThrowHelper.ThrowCorruption(source, r.Offset, "range properties: bad sample count");
        }
        var keys = new byte[count][];
        var sizes = new long[count];
        var counts = new long[count];
        for (int i = 0; i < count; i++)
        {
            bool ok = r.TryReadLengthPrefixed(out ReadOnlySpan<byte> key);
            ulong size = 0;
            ulong keysSoFar = 0;
            ok = ok && r.TryReadVarint64(out size) && r.TryReadVarint64(out keysSoFar);
            if (!ok)
            {
                ThrowHelper.ThrowCorruption(source, r.Offset, $"range properties: truncated sample {i}");
            }
            keys[i] = key.ToArray();
            sizes[i] = (long)size;
            counts[i] = (long)keysSoFar;
            if (i > 0 && (keys[i - 1].AsSpan().SequenceCompareTo(keys[i]) >= 0 || sizes[i] < sizes[i - 1] || counts[i] < counts[i - 1]))
            {
                ThrowHelper.ThrowCorruption(source, r.Offset, $"range properties: sample {i} out of order");
            }
        }
        if (r.Remaining != 0)
        {
            ThrowHelper.ThrowCorruption(source, r.Offset, "range properties: trailing bytes");
        }
        return new RangeProperties(keys, sizes, counts);
    }

    /// <summary>
    /// Estimated bytes and entries of the file with user key in [<paramref name="start"/>, <paramref name="end"/>)
    /// (null = unbounded). The error at each bound is at most half the distance between two samples.
    /// </summary>
    public RangeEstimate GetApproximateDistance(ReadOnlySpan<byte> start, bool startUnbounded, ReadOnlySpan<byte> end, bool endUnbounded)
    {
        (long sizeEnd, long keysEnd) = endUnbounded ? (TotalSize, TotalKeys) : Before(end);
        (long sizeStart, long keysStart) = startUnbounded ? (0, 0) : Before(start);
        return new RangeEstimate(Math.Max(0, sizeEnd - sizeStart), Math.Max(0, keysEnd - keysStart));
    }

    /// <summary>Estimated bytes and entries with user key in [start, end); null bounds are unbounded.</summary>
    public RangeEstimate GetApproximateDistance(byte[]? start, byte[]? end) =>
        GetApproximateDistance(start, start is null, end, end is null);

    /// <summary>Estimated bytes and entries with user key &lt; <paramref name="key"/>.</summary>
    private (long Size, long Keys) Before(ReadOnlySpan<byte> key)
    {
        // j = samples with key < target. The first sample is the file's first key, so j == 0 means nothing precedes.
        int lo = 0;
        int hi = _keys.Length;
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (_keys[mid].AsSpan().SequenceCompareTo(key) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        int j = lo;
        if (j == 0)
        {
            return (0, 0);
        }
        if (j == _keys.Length)
        {
            return (_sizes[^1], _counts[^1]);
        }
        // Between sample j-1 (< key) and sample j (>= key): take the middle.
        return ((_sizes[j - 1] + _sizes[j]) / 2, (_counts[j - 1] + _counts[j]) / 2);
    }
}
