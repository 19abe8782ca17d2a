namespace ManagedKv.Perf.Cli;

/// <summary>The `raftengine` subcommand: the Raft log engine benchmark in perf/RaftEngine/.</summary>
internal static class RaftEngineCommand
{
    public static int Run(string[] args) => RaftEngineBench.Run(args);
}
