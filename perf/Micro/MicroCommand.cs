using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace ManagedKv.Perf.Micro;

/// <summary>
/// The `micro` subcommand: BenchmarkDotNet over the LSM hot paths in this assembly, with MemoryDiagnoser.
/// Arguments are BenchmarkDotNet's (--filter, --list flat, --job, ...); without --filter every benchmark runs.
/// By default the benchmarks run in this process with a short job (no per-benchmark project build — on a shared
/// 2-core machine that build dominates); pass --out-of-process for BenchmarkDotNet's default isolated runs.
/// </summary>
internal static class MicroCommand
{
    public static int Run(string[] args)
    {
        var rest = new List<string>(args);
        bool outOfProcess = rest.Remove("--out-of-process");
        bool userJob = rest.Exists(a => a is "--job" or "-j" or "--runtimes" or "-r");
        if (!rest.Exists(a => a is "--filter" or "-f" or "--list" or "--info" or "--help" or "-h" or "--version"))
        {
            rest.Add("--filter");
            rest.Add("*");
        }

        IConfig config = DefaultConfig.Instance.AddDiagnoser(MemoryDiagnoser.Default);
        if (!userJob)
        {
            Job job = Job.ShortRun;
            config = config.AddJob(outOfProcess ? job : job.WithToolchain(InProcessEmitToolchain.Instance));
        }
        IEnumerable<Summary> summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly).Run(rest.ToArray(), config);
        foreach (Summary summary in summaries)
        {
            if (summary.HasCriticalValidationErrors)
            {
                return 1;
            }
        }
        return 0;
    }
}
