using System.Globalization;
using System.Text;

namespace ManagedKv.Perf.Report;

/// <summary>Renders a <see cref="RunReport"/> as the console tables: results per workload and engine, then ratios.</summary>
internal static class ConsoleReport
{
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;

    public static string Render(RunReport report)
    {
        var sb = new StringBuilder();
        MachineInfo m = report.Machine;
        sb.Append(CultureInfo.InvariantCulture, $"run {report.RunId}  {m.ProcessorCount} cores ({m.Cpu}), {m.MemoryBytes / (1L << 30)} GiB, {m.Runtime}, {m.Os}\n");
        sb.Append(CultureInfo.InvariantCulture,
            $"num {report.Config.Num:N0}  key {report.Config.KeySize} B  value {report.Config.ValueSize} B (ratio {report.Config.CompressionRatio})  threads {report.Config.Threads}  cache {report.Config.EngineOptions.BlockCacheSize >> 20} MiB  sync {report.Config.Sync}\n");
        foreach (EngineStatus engine in report.Engines)
        {
            sb.Append(engine.Available
                ? $"engine {engine.Name}: {engine.Version}\n"
                : $"engine {engine.Name}: NOT AVAILABLE — {engine.Reason}\n");
        }
        sb.Append('\n');

        var table = new TextTable("workload", "engine", "ops/s", "MB/s", "p50 us", "p99 us", "p99.9 us", "alloc B/op",
            "GC 0/1/2", "GC ms", "RSS MiB", "WA", "SA", "disk MiB", "notes");
        string? lastWorkload = null;
        bool severalEngines = report.Results.Exists(r => r.Engine != report.Results[0].Engine);
        foreach (WorkloadResult r in report.Results)
        {
            if (severalEngines && lastWorkload is not null && lastWorkload != r.Workload)
            {
                table.AddSeparator();
            }
            lastWorkload = r.Workload;
            if (r.Status != "ok")
            {
                table.Add(r.Workload, r.Engine, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", "-", r.Status);
                continue;
            }
            table.Add(
                r.Workload,
                r.Engine,
                r.OpsPerSecond.ToString("N0", s_inv),
                r.MegabytesPerSecond.ToString("F1", s_inv),
                Us(r.Latency?.P50Us),
                Us(r.Latency?.P99Us),
                Us(r.Latency?.P999Us),
                r.AllocatedBytesPerOp.ToString("F1", s_inv),
                $"{r.Gen0Collections}/{r.Gen1Collections}/{r.Gen2Collections}",
                r.GcPauseMs.ToString("F0", s_inv),
                (r.PeakRssBytes / (1024.0 * 1024)).ToString("F0", s_inv),
                r.WriteAmplification?.ToString("F2", s_inv) ?? "-",
                r.SpaceAmplification?.ToString("F2", s_inv) ?? "-",
                (r.SizeOnDiskBytes / (1024.0 * 1024)).ToString("F1", s_inv),
                Notes(r));
        }
        sb.Append(table);

        if (report.Ratios.Count > 0)
        {
            sb.Append("\nManagedKv / RocksDB\n");
            var ratios = new TextTable("workload", "metric", "managedkv", "rocksdb", "ratio", "target", "met");
            foreach (RatioRow row in report.Ratios)
            {
                ratios.Add(row.Workload, row.Metric, Metric(row.Metric, row.ManagedKv), Metric(row.Metric, row.RocksDb),
                    double.IsNaN(row.Ratio) ? "-" : row.Ratio.ToString("F2", s_inv) + "x",
                    row.Target ?? "", row.Met switch { true => "yes", false => "NO", null => "" });
            }
            sb.Append(ratios);
        }
        return sb.ToString();
    }

    private static string Us(double? us) => us is double v ? (v >= 100 ? v.ToString("F0", s_inv) : v.ToString("F1", s_inv)) : "-";

    private static string Metric(string metric, double value) => metric switch
    {
        "peak RSS" or "peak anon RSS" or "size on disk" => (value / (1024 * 1024)).ToString("F1", s_inv) + " MiB",
        "ops/s" => value.ToString("N0", s_inv),
        _ => value.ToString("F2", s_inv),
    };

    private static string Notes(WorkloadResult r)
    {
        var notes = new List<string>();
        if (r.Workload is "readrandom" or "seekrandom" or "mixed" or "readwhilewriting" && r.Reads > 0)
        {
            notes.Add(string.Create(s_inv, $"{100.0 * r.Found / r.Reads:F0}% found"));
        }
        if (r.WriterOpsPerSecond > 0)
        {
            notes.Add(string.Create(s_inv, $"writer {r.WriterOpsPerSecond:N0}/s p99 {Us(r.WriterLatency?.P99Us)} us"));
        }
        if (r.LatencyUnit != "op")
        {
            notes.Add("latency per " + r.LatencyUnit);
        }
        if (r.Threads > 1)
        {
            notes.Add(string.Create(s_inv, $"{r.Threads} threads"));
        }
        if (r.PreparedWith is not null)
        {
            notes.Add("prepared by " + r.PreparedWith);
        }
        if (r.VerifyErrors > 0)
        {
            notes.Add(string.Create(s_inv, $"VERIFY ERRORS {r.VerifyErrors}"));
        }
        return string.Join("; ", notes);
    }
}
