namespace ManagedKv.Perf.Cli;

/// <summary>The `txn` subcommand: the transaction layer benchmark in perf/Txn/ (<see cref="Txn.TxnBenchmark"/>).</summary>
internal static class TxnCommand
{
    public static int Run(string[] args) => Txn.TxnBenchmark.Run(args);
}
