using ManagedKv.Perf.Check;
using ManagedKv.Perf.Cli;
using ManagedKv.Perf.Micro;

namespace ManagedKv.Perf;

/// <summary>
/// ManagedKv.Perf entry point: dispatches to the db_bench-style run (default, or `bench`), the BenchmarkDotNet
/// micro-benchmarks (`micro`), the Raft log engine benchmark (`raftengine`, once perf/RaftEngine/ exists), the Raft consensus
/// library benchmark (`raft`, perf/Raft/), the store batch-system benchmark (`node`, perf/Node/) and the
/// harness self-checks (`check`).
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string command = args.Length > 0 ? args[0] : "";
        string[] rest = args.Length > 0 ? args[1..] : [];
        switch (command)
        {
            case "-h" or "--help" or "help":
                Console.WriteLine(BenchArgs.Usage);
                return 0;
            case "bench":
                return BenchCommand.Run(rest);
            case "micro":
                return MicroCommand.Run(rest);
            case "raftengine":
                return RaftEngineCommand.Run(rest);
            case "raft":
                return RaftCommand.Run(rest);
            case ChildProcessRunner.Command:
                return ChildProcessRunner.ChildMain(rest);
            case "check":
                return SelfCheck.Run(rest);
            case "txn":
                return TxnCommand.Run(rest);
            case "node":
                return Node.NodeBench.Run(rest);
            default:
                return BenchCommand.Run(args);
        }
    }
}
