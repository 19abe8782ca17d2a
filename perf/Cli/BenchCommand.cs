using System.Globalization;
using System.Text.Json;
using ManagedKv.Perf.Engines;
using ManagedKv.Perf.Report;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Cli;

/// <summary>
/// The db_bench-style run: every requested workload on every available engine, engines alternating which goes
/// first from one workload to the next (so drift on a shared machine does not favor one), each engine in its own
/// fresh directory under the run's folder; then the console table, perf-results/&lt;run&gt;.json and .svg.
/// </summary>
internal static class BenchCommand
{
    public static int Run(IReadOnlyList<string> args)
    {
        BenchConfig? config = BenchArgs.Parse(args, out string? error);
        if (config is null)
        {
            Console.Error.WriteLine("error: " + error);
            Console.Error.WriteLine("run with --help for the options");
            return 2;
        }

        var statuses = new List<EngineStatus>();
        var available = new List<EngineDescriptor>();
        foreach (string name in config.Engines)
        {
            EngineDescriptor descriptor = EngineCatalog.Find(name)!;
            statuses.Add(new EngineStatus(descriptor.Name, descriptor.IsAvailable, descriptor.Version, descriptor.UnavailableReason));
            if (descriptor.IsAvailable)
            {
                available.Add(descriptor);
            }
            else
            {
                Console.Error.WriteLine($"note: engine {descriptor.Name} is {descriptor.UnavailableReason}");
            }
        }
        if (available.Count == 0)
        {
            Console.Error.WriteLine("error: none of the requested engines is available in this build");
            return 2;
        }

        string runId = DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture);
        string runDir = Path.Combine(config.DbRoot, runId);
        string outDir = config.OutputDir.Length > 0 ? config.OutputDir : DefaultOutputDir();
        var report = new RunReport
        {
            RunId = runId,
            StartedUtc = DateTimeOffset.UtcNow,
            CommandLine = string.Join(' ', args),
            Machine = MachineInfo.Detect(),
            Config = config with { DbRoot = runDir, OutputDir = outDir },
            Engines = statuses,
        };

        var sessions = new List<EngineSession>();
        foreach (EngineDescriptor descriptor in available)
        {
            sessions.Add(new EngineSession(descriptor, Path.Combine(runDir, descriptor.Name)));
        }
        Console.Error.WriteLine($"run {runId}: engines {string.Join(",", available.Select(e => e.Name))}, databases under {runDir}");

        var runner = new WorkloadRunner(config);
        // Children get the run's options; their database directory is passed to them explicitly.
        IReadOnlyList<string> childOptions = args;
        try
        {
            for (int w = 0; w < config.Benchmarks.Count; w++)
            {
                Workload workload = config.Benchmarks[w];
                for (int i = 0; i < sessions.Count; i++)
                {
                    // Alternate: even workloads in the given order, odd ones reversed.
                    EngineSession session = sessions[w % 2 == 0 ? i : sessions.Count - 1 - i];
                    WorkloadResult result = config.Isolate
                        ? ChildProcessRunner.Run(childOptions, session, workload)
                        : runner.Run(session, workload);
                    report.Results.Add(result);
                    Console.Error.WriteLine(Summary(result));
                }
            }
        }
        finally
        {
            if (!config.KeepDb && Directory.Exists(runDir))
            {
                Directory.Delete(runDir, recursive: true);
            }
        }

        // Present results grouped by workload in run order, engines in the order given.
        report.Results.Sort((a, b) =>
        {
            int wa = IndexOfWorkload(config, a.Workload);
            int wb = IndexOfWorkload(config, b.Workload);
            return wa != wb ? wa.CompareTo(wb) : IndexOfEngine(config, a.Engine).CompareTo(IndexOfEngine(config, b.Engine));
        });
        report.Ratios.AddRange(RatioCalculator.Compute(report.Results, config.SyncThreads));

        Directory.CreateDirectory(outDir);
        string jsonPath = Path.Combine(outDir, runId + ".json");
        string svgPath = Path.Combine(outDir, runId + ".svg");
        File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, ReportJsonContext.Default.RunReport));
        File.WriteAllText(svgPath, SvgChart.Render(report));

        Console.WriteLine();
        Console.Write(ConsoleReport.Render(report));
        Console.WriteLine();
        Console.WriteLine($"json: {jsonPath}");
        Console.WriteLine($"svg:  {svgPath}");

        bool failed = report.Results.Any(r => r.Status != "ok" || r.VerifyErrors > 0);
        return failed ? 1 : 0;
    }

    private static string Summary(WorkloadResult r) => r.Status != "ok"
        ? $"  {r.Engine,-10} {r.Workload,-17} {r.Status}"
        : string.Create(CultureInfo.InvariantCulture,
            $"  {r.Engine,-10} {r.Workload,-17} {r.OpsPerSecond,12:N0} ops/s  p99 {r.Latency?.P99Us,8:F1} us  {r.Seconds,7:F2} s  RSS {r.PeakRssBytes >> 20} MiB{(r.VerifyErrors > 0 ? $"  VERIFY ERRORS {r.VerifyErrors}" : "")}");

    private static int IndexOfWorkload(BenchConfig config, string name)
    {
        for (int i = 0; i < config.Benchmarks.Count; i++)
        {
            if (WorkloadNames.NameOf(config.Benchmarks[i]) == name)
            {
                return i;
            }
        }
        return int.MaxValue;
    }

    private static int IndexOfEngine(BenchConfig config, string name)
    {
        for (int i = 0; i < config.Engines.Count; i++)
        {
            if (string.Equals(config.Engines[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }
        return int.MaxValue;
    }

    /// <summary>perf-results/ at the repository root (the folder holding ManagedKv.sln), else under the current directory.</summary>
    private static string DefaultOutputDir()
    {
        for (DirectoryInfo? dir = new(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ManagedKv.sln")))
            {
                return Path.Combine(dir.FullName, "perf-results");
            }
        }
        return Path.Combine(Directory.GetCurrentDirectory(), "perf-results");
    }
}
