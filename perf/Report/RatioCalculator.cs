using ManagedKv.Perf.Engines;

namespace ManagedKv.Perf.Report;

/// <summary>
/// ManagedKv / RocksDB per workload and metric for a run that measured both, checked against the targets of
/// issue 4: fillrandom, overwrite, readrandom, seekrandom ops/s >= 2.0x; readseq >= 1.0x; fillsync (16 threads)
/// >= 1.0x; size on disk <= 1.0x; peak RSS <= 1.5x; and zero managed allocations per Put/Get on the memtable path.
/// </summary>
internal static class RatioCalculator
{
    public static List<RatioRow> Compute(IReadOnlyList<WorkloadResult> results, int syncThreads)
    {
        var rows = new List<RatioRow>();
        foreach (WorkloadResult mkv in results)
        {
            if (mkv.Engine != EngineCatalog.ManagedKv || mkv.Status != "ok")
            {
                continue;
            }
            WorkloadResult? rocks = null;
            foreach (WorkloadResult r in results)
            {
                if (r.Engine == EngineCatalog.RocksDb && r.Workload == mkv.Workload && r.Status == "ok")
                {
                    rocks = r;
                }
            }
            if (rocks is null)
            {
                continue;
            }

            double? throughputTarget = mkv.Workload switch
            {
                "fillrandom" or "overwrite" or "readrandom" or "seekrandom" => 2.0,
                "readseq" => 1.0,
                "fillsync" when syncThreads >= 16 => 1.0,
                _ => null,
            };
            rows.Add(Row(mkv.Workload, "ops/s", mkv.OpsPerSecond, rocks.OpsPerSecond, throughputTarget, higherIsBetter: true));
            if (mkv.Latency is not null && rocks.Latency is not null)
            {
                rows.Add(Row(mkv.Workload, "p99 us", mkv.Latency.P99Us, rocks.Latency.P99Us, null, higherIsBetter: false));
            }
            rows.Add(Row(mkv.Workload, "peak RSS", mkv.PeakRssBytes, rocks.PeakRssBytes, 1.5, higherIsBetter: false));
            if (mkv.PeakAnonRssBytes > 0 && rocks.PeakAnonRssBytes > 0)
            {
                // Informational: the sampled anonymous part (RocksDB reads SSTs with pread, so its RSS is almost all anonymous).
                rows.Add(Row(mkv.Workload, "peak anon RSS", mkv.PeakAnonRssBytes, rocks.PeakAnonRssBytes, null, higherIsBetter: false));
            }
            bool sizeMatters = mkv.Workload is "fillseq" or "fillrandom" or "overwrite" or "deleterandom" or "compact";
            rows.Add(Row(mkv.Workload, "size on disk", mkv.SizeOnDiskBytes, rocks.SizeOnDiskBytes, sizeMatters ? 1.0 : null, higherIsBetter: false));
            if (mkv.WriteAmplification is double wa && rocks.WriteAmplification is double rwa)
            {
                rows.Add(Row(mkv.Workload, "write amp", wa, rwa, null, higherIsBetter: false));
            }
            if (mkv.Workload is "fillseq" or "fillrandom" or "overwrite" or "readrandom")
            {
                // Absolute target on ManagedKv alone; RocksDB's column shows its adapter's figure for reference.
                rows.Add(new RatioRow(mkv.Workload, "alloc B/op", mkv.AllocatedBytesPerOp, rocks.AllocatedBytesPerOp,
                    double.NaN, "ManagedKv == 0", mkv.AllocatedBytesPerOp < 1.0));
            }
        }
        return rows;
    }

    private static RatioRow Row(string workload, string metric, double mkv, double rocks, double? target, bool higherIsBetter)
    {
        double ratio = rocks > 0 ? Math.Round(mkv / rocks, 3) : double.NaN;
        if (target is not double t)
        {
            return new RatioRow(workload, metric, mkv, rocks, ratio, null, null);
        }
        string text = (higherIsBetter ? ">= " : "<= ") + t.ToString("0.0#", System.Globalization.CultureInfo.InvariantCulture) + "x";
        bool met = !double.IsNaN(ratio) && (higherIsBetter ? ratio >= t : ratio <= t);
        return new RatioRow(workload, metric, mkv, rocks, ratio, text, met);
    }
}
