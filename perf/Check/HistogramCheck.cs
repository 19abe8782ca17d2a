using ManagedKv.Perf.Measurement;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Check;

/// <summary><see cref="LatencyHistogram"/> against exact percentiles, and its bucket arithmetic at the edges.</summary>
internal static class HistogramCheck
{
    public static void Run(ulong seed)
    {
        var random = new FastRandom(seed);
        foreach (int count in new[] { 1, 7, 1000, 200_000 })
        {
            var histogram = new LatencyHistogram();
            var exact = new long[count];
            double sum = 0;
            for (int i = 0; i < count; i++)
            {
                // Log-uniform from 1 tick to ~1 s of nanosecond ticks: every bucket range gets exercised.
                long value = (long)Math.Exp(random.Below(1_000_000) / 1_000_000.0 * Math.Log(1e9));
                exact[i] = value;
                sum += value;
                histogram.Record(value);
            }
            Array.Sort(exact);
            foreach (double p in new[] { 0.0, 1, 50, 90, 99, 99.9, 100 })
            {
                long rank = Math.Clamp((long)Math.Ceiling(p / 100 * count), 1, count);
                long expected = exact[rank - 1];
                long actual = histogram.ValueAtPercentile(p);
                // Reported value: the top of the bucket holding the expected one, clamped to the maximum.
                if (actual < expected || actual > Math.Max(expected + expected / 64 + 1, expected))
                {
                    throw new CheckFailedException($"n={count} p{p}: histogram {actual}, exact {expected}");
                }
            }
            if (histogram.TotalCount != count || histogram.MaxTicks != exact[^1] || histogram.MinTicks != exact[0])
            {
                throw new CheckFailedException($"n={count}: count/min/max {histogram.TotalCount}/{histogram.MinTicks}/{histogram.MaxTicks}");
            }
            if (Math.Abs(histogram.MeanTicks - sum / count) > 1e-6 * Math.Max(1, sum / count))
            {
                throw new CheckFailedException($"n={count}: mean {histogram.MeanTicks} vs {sum / count}");
            }
        }

        var a = new LatencyHistogram();
        var b = new LatencyHistogram();
        a.Record(10);
        b.Record(1_000_000);
        a.Add(b);
        if (a.TotalCount != 2 || a.ValueAtPercentile(50) != 10 || a.ValueAtPercentile(100) != 1_000_000)
        {
            throw new CheckFailedException("merge of two histograms lost a value");
        }
    }

    public static void RunBounds(ulong seed)
    {
        var random = new FastRandom(seed);
        long[] edges = [0, 1, 63, 64, 127, 128, 129, 255, 256, 257, 1 << 20, (1L << 20) + 1, 1L << 62, long.MaxValue];
        int previous = -1;
        for (long v = 0; v < 100_000; v++)
        {
            int index = LatencyHistogram.IndexOf(v);
            if (index < previous || index > previous + 1)
            {
                throw new CheckFailedException($"bucket index not contiguous at {v}: {previous} -> {index}");
            }
            previous = index;
            CheckValue(v);
        }
        foreach (long v in edges)
        {
            CheckValue(v);
        }
        for (int i = 0; i < 100_000; i++)
        {
            CheckValue((long)(random.Next() >> (1 + (int)random.Below(63))));
        }
    }

    private static void CheckValue(long v)
    {
        int index = LatencyHistogram.IndexOf(v);
        if (index < 0 || index >= LatencyHistogram.BucketCount)
        {
            throw new CheckFailedException($"value {v}: index {index} out of range");
        }
        long low = LatencyHistogram.LowestEquivalentValue(index);
        long high = LatencyHistogram.HighestEquivalentValue(index);
        if (v < low || v > high || (high - low) > Math.Max(0, low / 64))
        {
            throw new CheckFailedException($"value {v}: bucket {index} covers [{low}, {high}]");
        }
    }
}
