using System.Globalization;
using System.Security;
using System.Text;
using ManagedKv.Perf.Measurement;

namespace ManagedKv.Perf.Report;

/// <summary>
/// Draws a run as one self-contained SVG: throughput per workload, engines side by side on a log scale; then, when
/// the run has readwhilewriting, its read and write throughput over time per engine.
/// </summary>
internal static class SvgChart
{
    private const int Width = 1100;
    private const int BarPanelHeight = 460;
    private const int SeriesPanelHeight = 340;
    private const int Left = 80;
    private const int Right = 30;
    private static readonly CultureInfo s_inv = CultureInfo.InvariantCulture;
    private static readonly string[] s_palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];

    public static string Render(RunReport report)
    {
        var engines = new List<string>();
        var workloads = new List<string>();
        foreach (WorkloadResult r in report.Results)
        {
            if (!engines.Contains(r.Engine))
            {
                engines.Add(r.Engine);
            }
            if (!workloads.Contains(r.Workload))
            {
                workloads.Add(r.Workload);
            }
        }
        // Stable colors: managedkv first, rocksdb second, whatever the run order.
        engines.Sort(StringComparer.Ordinal);

        WorkloadResult[] series = report.Results.Where(r => r.Workload == "readwhilewriting" && r.Status == "ok" && r.Series.Count > 0).ToArray();
        int height = BarPanelHeight + (series.Length > 0 ? SeriesPanelHeight : 0) + 20;
        var sb = new StringBuilder();
        sb.Append(s_inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        sb.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        BarPanel(sb, report, engines, workloads);
        if (series.Length > 0)
        {
            SeriesPanel(sb, series, engines, BarPanelHeight);
        }
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static void BarPanel(StringBuilder sb, RunReport report, List<string> engines, List<string> workloads)
    {
        const int top = 60;
        const int bottom = BarPanelHeight - 70;
        int plotWidth = Width - Left - Right;
        MachineInfo m = report.Machine;
        Text(sb, Left, 24, $"Throughput per workload (ops/s, log scale) — run {report.RunId}", 15, "bold");
        Text(sb, Left, 42, $"num {report.Config.Num:N0}, key {report.Config.KeySize} B, value {report.Config.ValueSize} B, threads {report.Config.Threads}, cache {report.Config.EngineOptions.BlockCacheSize >> 20} MiB, {m.ProcessorCount} cores {m.Cpu}", 11, "normal");

        double max = 1;
        double min = double.MaxValue;
        foreach (WorkloadResult r in report.Results)
        {
            if (r.OpsPerSecond > 0)
            {
                max = Math.Max(max, r.OpsPerSecond);
                min = Math.Min(min, r.OpsPerSecond);
            }
        }
        // The axis spans whole decades from the one below the slowest workload to the one above the fastest.
        int lowDecade = min == double.MaxValue ? 0 : Math.Max(0, (int)Math.Floor(Math.Log10(min)));
        int highDecade = Math.Max(lowDecade + 1, (int)Math.Ceiling(Math.Log10(max)));
        int decades = highDecade - lowDecade;
        double Y(double v) => bottom - (bottom - top) * (Math.Log10(Math.Max(v, 1)) - lowDecade) / decades;

        for (int d = lowDecade; d <= highDecade; d++)
        {
            double y = Y(Math.Pow(10, d));
            sb.Append(s_inv, $"<line x1=\"{Left}\" y1=\"{y:F1}\" x2=\"{Width - Right}\" y2=\"{y:F1}\" stroke=\"#ddd\"/>\n");
            Text(sb, Left - 8, y + 4, FormatCount(Math.Pow(10, d)), 11, "normal", "end");
        }

        double groupWidth = plotWidth / (double)Math.Max(1, workloads.Count);
        double barWidth = Math.Min(40, groupWidth * 0.8 / Math.Max(1, engines.Count));
        for (int w = 0; w < workloads.Count; w++)
        {
            double groupX = Left + w * groupWidth + (groupWidth - barWidth * engines.Count) / 2;
            for (int e = 0; e < engines.Count; e++)
            {
                WorkloadResult? r = report.Results.FirstOrDefault(x => x.Workload == workloads[w] && x.Engine == engines[e] && x.Status == "ok");
                if (r is null)
                {
                    continue;
                }
                double x = groupX + e * barWidth;
                double y = Math.Min(bottom, Y(r.OpsPerSecond));
                sb.Append(s_inv, $"<rect x=\"{x:F1}\" y=\"{y:F1}\" width=\"{barWidth - 2:F1}\" height=\"{bottom - y:F1}\" fill=\"{Color(e)}\"><title>{Esc(r.Engine)} {Esc(r.Workload)}: {r.OpsPerSecond:N0} ops/s, p99 {r.Latency?.P99Us:F1} us</title></rect>\n");
                Text(sb, x + (barWidth - 2) / 2, y - 4, FormatCount(r.OpsPerSecond), 9, "normal", "middle");
            }
            double labelX = Left + w * groupWidth + groupWidth / 2;
            sb.Append(s_inv, $"<text x=\"{labelX:F1}\" y=\"{bottom + 14}\" text-anchor=\"end\" transform=\"rotate(-30 {labelX:F1} {bottom + 14})\">{Esc(workloads[w])}</text>\n");
        }
        sb.Append(s_inv, $"<line x1=\"{Left}\" y1=\"{bottom}\" x2=\"{Width - Right}\" y2=\"{bottom}\" stroke=\"#333\"/>\n");
        Legend(sb, engines, Width - Right - 160, 20);
    }

    private static void SeriesPanel(StringBuilder sb, WorkloadResult[] results, List<string> engines, int offset)
    {
        int top = offset + 50;
        int bottom = offset + SeriesPanelHeight - 40;
        int plotWidth = Width - Left - Right;
        Text(sb, Left, offset + 24, "readwhilewriting: throughput over time (solid: reads/s, dashed: writes/s)", 15, "bold");

        double maxT = 1e-3;
        double maxV = 1;
        foreach (WorkloadResult r in results)
        {
            foreach (SeriesPoint p in r.Series)
            {
                maxT = Math.Max(maxT, p.Seconds);
                maxV = Math.Max(maxV, Math.Max(p.ReadsPerSecond, p.WritesPerSecond));
            }
        }
        double X(double t) => Left + plotWidth * t / maxT;
        double Y(double v) => bottom - (bottom - top) * v / maxV;

        for (int i = 0; i <= 4; i++)
        {
            double v = maxV * i / 4;
            sb.Append(s_inv, $"<line x1=\"{Left}\" y1=\"{Y(v):F1}\" x2=\"{Width - Right}\" y2=\"{Y(v):F1}\" stroke=\"#eee\"/>\n");
            Text(sb, Left - 8, Y(v) + 4, FormatCount(v), 11, "normal", "end");
            double t = maxT * i / 4;
            Text(sb, X(t), bottom + 16, t.ToString("F1", s_inv) + " s", 11, "normal", "middle");
        }
        foreach (WorkloadResult r in results)
        {
            int e = engines.IndexOf(r.Engine);
            Polyline(sb, r.Series, X, Y, reads: true, Color(e), dashed: false);
            Polyline(sb, r.Series, X, Y, reads: false, Color(e), dashed: true);
        }
        sb.Append(s_inv, $"<line x1=\"{Left}\" y1=\"{bottom}\" x2=\"{Width - Right}\" y2=\"{bottom}\" stroke=\"#333\"/>\n");
        Legend(sb, engines, Width - Right - 160, offset + 14);
    }

    private static void Polyline(StringBuilder sb, IReadOnlyList<SeriesPoint> points, Func<double, double> x, Func<double, double> y, bool reads, string color, bool dashed)
    {
        sb.Append(s_inv, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\"{(dashed ? " stroke-dasharray=\"5 3\"" : "")} points=\"");
        foreach (SeriesPoint p in points)
        {
            sb.Append(s_inv, $"{x(p.Seconds):F1},{y(reads ? p.ReadsPerSecond : p.WritesPerSecond):F1} ");
        }
        sb.Append("\"/>\n");
    }

    private static void Legend(StringBuilder sb, List<string> engines, int x, int y)
    {
        for (int e = 0; e < engines.Count; e++)
        {
            sb.Append(s_inv, $"<rect x=\"{x}\" y=\"{y + e * 18}\" width=\"12\" height=\"12\" fill=\"{Color(e)}\"/>\n");
            Text(sb, x + 18, y + e * 18 + 10, engines[e], 12, "normal");
        }
    }

    private static void Text(StringBuilder sb, double x, double y, string text, int size, string weight, string anchor = "start") =>
        sb.Append(s_inv, $"<text x=\"{x:F1}\" y=\"{y:F1}\" font-size=\"{size}\" font-weight=\"{weight}\" text-anchor=\"{anchor}\">{Esc(text)}</text>\n");

    private static string Color(int index) => s_palette[Math.Max(0, index) % s_palette.Length];

    private static string Esc(string text) => SecurityElement.Escape(text) ?? "";

    private static string FormatCount(double v) => v switch
    {
        >= 1e6 => (v / 1e6).ToString("0.##", s_inv) + "M",
        >= 1e3 => (v / 1e3).ToString("0.#", s_inv) + "K",
        _ => v.ToString("0", s_inv),
    };
}
