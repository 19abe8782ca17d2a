using System.Reflection;

namespace ManagedKv.Perf.Cli;

/// <summary>
/// The `raft` subcommand: the Raft consensus library benchmark in perf/Raft/ (a self-contained folder), found at run
/// time like `raftengine`: the first type in exactly the <c>ManagedKv.Perf.Raft</c> namespace (not
/// <c>ManagedKv.Perf.RaftEngine</c>) with a <c>public static int Run(string[] args)</c> method.
/// </summary>
internal static class RaftCommand
{
    private const string Namespace = "ManagedKv.Perf.Raft";

    public static int Run(string[] args)
    {
        MethodInfo? entry = FindEntryPoint();
        if (entry is null)
        {
            Console.Error.WriteLine("raft: not available — the Raft library benchmark (perf/Raft/) is not in this build");
            return 2;
        }

        return (int)entry.Invoke(null, [args])!;
    }

    internal static MethodInfo? FindEntryPoint()
    {
        foreach (Type type in typeof(RaftCommand).Assembly.GetTypes())
        {
            if (!string.Equals(type.Namespace, Namespace, StringComparison.Ordinal) || !type.IsPublic)
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
