using System.Diagnostics;
using System.Numerics;

namespace ManagedKv.Perf.Measurement;

/// <summary>
/// A log-bucketed latency histogram in the manner of HdrHistogram: values below 128 are counted exactly, above that
/// each power of two is split into 64 linear sub-buckets, so any recorded value is reported within 1/64 (1.6 %) of
/// itself, from 1 tick to 2^63 ticks, in a fixed array of 3,776 counters. Recording is a few instructions and never
/// allocates. Values are <see cref="Stopwatch"/> ticks.
/// Threading: one writer thread per instance; merge per-thread instances after the threads finished.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 6;
    private const int SubBucketCount = 1 << SubBucketBits;   // 64
    private const int ExactLimit = SubBucketCount * 2;      // values < 128 get a bucket each

    /// <summary>Number of counters: 128 exact ones, then 64 per power of two from 2^7 to 2^63.</summary>
    internal const int BucketCount = (64 - SubBucketBits) * SubBucketCount;

    private readonly long[] _counts = new long[BucketCount];
    private long _total;
    private long _min = long.MaxValue;
    private long _max;
    private double _sum;

    public long TotalCount => _total;

    public long MinTicks => _total == 0 ? 0 : _min;

    public long MaxTicks => _max;

    public double MeanTicks => _total == 0 ? 0 : _sum / _total;

    public void Record(long ticks)
    {
        if (ticks < 0)
        {
            ticks = 0;
        }
        _counts[IndexOf(ticks)]++;
        _total++;
        _sum += ticks;
        if (ticks < _min)
        {
            _min = ticks;
        }
        if (ticks > _max)
        {
            _max = ticks;
        }
    }

    public void Add(LatencyHistogram other)
    {
        for (int i = 0; i < BucketCount; i++)
        {
            _counts[i] += other._counts[i];
        }
        _total += other._total;
        _sum += other._sum;
        _min = Math.Min(_min, other._min);
        _max = Math.Max(_max, other._max);
    }

    public void Clear()
    {
        Array.Clear(_counts);
        _total = 0;
        _sum = 0;
        _min = long.MaxValue;
        _max = 0;
    }

    /// <summary>
    /// The value at <paramref name="percentile"/> (0..100]: the highest value equivalent to the bucket holding the
    /// ceil(p/100 * count)-th smallest recording, clamped to the largest recorded value (HdrHistogram's convention).
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        if (_total == 0)
        {
            return 0;
        }
        long rank = (long)Math.Ceiling(Math.Clamp(percentile, 0, 100) / 100.0 * _total);
        rank = Math.Clamp(rank, 1, _total);
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return Math.Min(HighestEquivalentValue(i), _max);
            }
        }
        return _max;
    }

    public static double TicksToMicroseconds(double ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    internal static int IndexOf(long value)
    {
        ulong v = (ulong)value;
        if (v < ExactLimit)
        {
            return (int)v;
        }
        int exponent = 63 - BitOperations.LeadingZeroCount(v); // >= 7
        int shift = exponent - SubBucketBits;                   // >= 1
        return ((shift + 1) << SubBucketBits) + (int)(v >> shift) - SubBucketCount;
    }

    internal static long LowestEquivalentValue(int index)
    {
        if (index < ExactLimit)
        {
            return index;
        }
        int shift = (index >> SubBucketBits) - 1;
        long sub = (index & (SubBucketCount - 1)) + SubBucketCount;
        return sub << shift;
    }

    internal static long HighestEquivalentValue(int index)
    {
        if (index < ExactLimit)
        {
            return index;
        }
        int shift = (index >> SubBucketBits) - 1;
        long sub = (index & (SubBucketCount - 1)) + SubBucketCount;
        return (long)(((ulong)sub + 1 << shift) - 1);
    }
}
