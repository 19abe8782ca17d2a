using ManagedKv.Perf.Measurement;

namespace ManagedKv.Perf.Report;

/// <summary>Latency percentiles of one workload in microseconds, from a <see cref="LatencyHistogram"/>.</summary>
public sealed record LatencySummary(long Count, double MeanUs, double P50Us, double P99Us, double P999Us, double MaxUs)
{
    internal static LatencySummary From(LatencyHistogram histogram) => new(
        histogram.TotalCount,
        Round(LatencyHistogram.TicksToMicroseconds(histogram.MeanTicks)),
        Round(LatencyHistogram.TicksToMicroseconds(histogram.ValueAtPercentile(50))),
        Round(LatencyHistogram.TicksToMicroseconds(histogram.ValueAtPercentile(99))),
        Round(LatencyHistogram.TicksToMicroseconds(histogram.ValueAtPercentile(99.9))),
        Round(LatencyHistogram.TicksToMicroseconds(histogram.MaxTicks)));

    private static double Round(double us) => Math.Round(us, 2);
}
