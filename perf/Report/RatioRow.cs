namespace ManagedKv.Perf.Report;

/// <summary>
/// ManagedKv / RocksDB for one metric of one workload in the same run, with the target when there is one
/// (for example fillrandom ops/s >= 2.0). <see cref="Met"/> is null when the metric has no target.
/// </summary>
public sealed record RatioRow(string Workload, string Metric, double ManagedKv, double RocksDb, double Ratio, string? Target, bool? Met);
