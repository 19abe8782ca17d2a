namespace ManagedKv.Perf.Cli;

/// <summary>The `raft` subcommand: the Raft library benchmark in perf/Raft/.</summary>
internal static class RaftCommand
{
    public static int Run(string[] args) => Raft.RaftBench.Run(args);
}
