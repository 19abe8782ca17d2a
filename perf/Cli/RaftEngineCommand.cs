using System.Reflection;

namespace ManagedKv.Perf.Cli;

/// <summary>
/// The `raftengine` subcommand. Its benchmark lives in perf/RaftEngine/ (a self-contained folder written separately)
/// and is found at run time: the first type in a ManagedKv.Perf.RaftEngine* namespace with a
/// `public static int Run(string[] args)` method. Until that folder exists the subcommand says so, and this project
/// does not refer to it at compile time, so it builds either way.
/// </summary>
internal static class RaftEngineCommand
{
    private const string NamespacePrefix = "ManagedKv.Perf.RaftEngine";

    public static int Run(string[] args)
    {
        MethodInfo? entry = FindEntryPoint();
        if (entry is null)
        {
            Console.Error.WriteLine("raftengine: not available yet — the Raft log engine benchmark (perf/RaftEngine/) is not in this build");
            return 2;
        }
        return (int)entry.Invoke(null, [args])!;
    }

    internal static MethodInfo? FindEntryPoint()
    {
        foreach (Type type in typeof(RaftEngineCommand).Assembly.GetTypes())
        {
            if (type.Namespace is null || !type.Namespace.StartsWith(NamespacePrefix, StringComparison.Ordinal))
            {
                continue;
            }
            MethodInfo? run = type.GetMethod("Run", BindingFlags.Public | BindingFlags.Static, [typeof(string[])]);
            if (run is not null && run.ReturnType == typeof(int))
            {
                return run;
            }
        }
        return null;
    }
}
