namespace ManagedKv.Perf.Workloads;

/// <summary>
/// Value bytes that compress to about the requested ratio, as db_bench's RandomGenerator: a 1 MiB buffer of
/// value-sized chunks, each a run of random printable bytes repeated to fill the chunk (ratio 0.5: 50 random bytes
/// then the same 50 again). Workers take consecutive slices at their own offsets, so values cost no allocation.
/// Immutable after construction; shared by all workers.
/// </summary>
internal sealed class ValueSource
{
    private const int BufferSize = 1 << 20;
    private readonly byte[] _data;

    public ValueSource(int valueSize, double compressionRatio, ulong seed)
    {
        ValueSize = valueSize;
        int chunk = Math.Max(valueSize, 1);
        int chunks = Math.Max(2, BufferSize / chunk + 1);
        _data = new byte[chunks * chunk + valueSize];
        var random = new FastRandom(seed);
        int randomPart = Math.Clamp((int)Math.Round(chunk * compressionRatio), 1, chunk);
        for (int start = 0; start + chunk <= _data.Length; start += chunk)
        {
            for (int i = 0; i < randomPart; i++)
            {
                _data[start + i] = (byte)(' ' + (int)random.Below(95));
            }
            for (int i = randomPart; i < chunk; i++)
            {
                _data[start + i] = _data[start + i % randomPart];
            }
        }
    }

    public int ValueSize { get; }

    /// <summary>The value at a cursor position; the cursor advances by one value and wraps.</summary>
    public ReadOnlySpan<byte> Next(ref int cursor)
    {
        if (cursor + ValueSize > _data.Length - ValueSize)
        {
            cursor = 0;
        }
        var value = new ReadOnlySpan<byte>(_data, cursor, ValueSize);
        cursor += ValueSize;
        return value;
    }
}
