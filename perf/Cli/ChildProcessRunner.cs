using System.Diagnostics;
using System.Text.Json;
using ManagedKv.Perf.Engines;
using ManagedKv.Perf.Report;
using ManagedKv.Perf.Workloads;

namespace ManagedKv.Perf.Cli;

/// <summary>
/// Runs each (engine, workload) in a child process of this program (the default; --in-process turns it off), so
/// every measurement starts from a fresh process: peak RSS is the engine's own (no heap kept by the engine that ran
/// before), GC counts are its own, and an engine that crashes the process fails that one result, not the run.
/// The parent passes the run's options through; the child runs one workload with <see cref="WorkloadRunner"/> on
/// the engine's directory, reading and writing the harness's model of the DB beside it, and writes its
/// <see cref="WorkloadResult"/> as JSON to a file the parent reads.
/// </summary>
internal static class ChildProcessRunner
{
    public const string Command = "bench-child";

    /// <summary>Parent side: runs one workload in a child and returns its result (a failed result if the child failed).</summary>
    public static WorkloadResult Run(IReadOnlyList<string> options, EngineSession session, Workload workload)
    {
        string resultPath = session.Directory + ".result.json";
        System.IO.Directory.CreateDirectory(Path.GetDirectoryName(resultPath)!);
        File.Delete(resultPath);
        var start = new ProcessStartInfo { UseShellExecute = false };
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("cannot locate this program to start a child");
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(typeof(ChildProcessRunner).Assembly.Location);
        }
        start.ArgumentList.Add(Command);
        start.ArgumentList.Add(session.Descriptor.Name);
        start.ArgumentList.Add(WorkloadNames.NameOf(workload));
        start.ArgumentList.Add(session.Directory);
        start.ArgumentList.Add(resultPath);
        foreach (string option in options)
        {
            start.ArgumentList.Add(option);
        }
        // Measure the engines' steady state, not .NET's tiered-JIT warm-up: call counting starts at once instead of after
        // the 100 ms quiet period that the fill's background compilations keep postponing, so the hot methods reach
        // their optimized tier during the untimed warm-up (native RocksDB is unaffected). Set the variable to override.
        if (Environment.GetEnvironmentVariable("DOTNET_TC_CallCountingDelayMs") is null)
        {
            start.Environment["DOTNET_TC_CallCountingDelayMs"] = "0";
        }

        using Process child = Process.Start(start) ?? throw new InvalidOperationException("could not start a child process");
        child.WaitForExit();
        if (File.Exists(resultPath))
        {
            WorkloadResult? result = JsonSerializer.Deserialize(File.ReadAllText(resultPath), ReportJsonContext.Default.WorkloadResult);
            File.Delete(resultPath);
            if (result is not null)
            {
                return result;
            }
        }
        return new WorkloadResult
        {
            Engine = session.Descriptor.Name,
            Workload = WorkloadNames.NameOf(workload),
            Status = $"failed: child process exited with code {child.ExitCode} without a result",
        };
    }

    /// <summary>Child side: `bench-child engine workload dir result-path options...`.</summary>
    public static int ChildMain(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine($"usage: {Command} engine workload dir result-path [options]");
            return 2;
        }
        BenchConfig? config = BenchArgs.Parse(args[4..], out string? error);
        EngineDescriptor? descriptor = EngineCatalog.Find(args[0]);
        if (config is null || descriptor is null || !descriptor.IsAvailable || !WorkloadNames.TryParse(args[1], out Workload workload))
        {
            Console.Error.WriteLine($"{Command}: bad arguments: {error ?? string.Join(' ', args[..4])}");
            return 2;
        }
        var session = new EngineSession(descriptor, args[2]);
        session.LoadState();
        WorkloadResult result = new WorkloadRunner(config).Run(session, workload);
        session.SaveState();
        File.WriteAllText(args[3], JsonSerializer.Serialize(result, ReportJsonContext.Default.WorkloadResult));
        return 0;
    }
}
