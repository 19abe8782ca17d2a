namespace ManagedKv.Perf.Measurement;

/// <summary>Throughput over one sampling interval ending <see cref="Seconds"/> after the workload started.</summary>
public readonly record struct SeriesPoint(double Seconds, double ReadsPerSecond, double WritesPerSecond, long RssBytes);
